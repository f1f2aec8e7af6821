CREATE TABLE `studio_songs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` text NOT NULL,
	`studio_id` integer,
	`basic_song_id` integer,
	`title` text NOT NULL,
	`genre` text,
	`mood` text,
	`instruments` text NOT NULL,
	`source` text NOT NULL,
	`ai_used` integer NOT NULL,
	`file_key` text NOT NULL,
	`format` text NOT NULL,
	`size` integer NOT NULL,
	`duration` real,
	`cover_key` text,
	`share_token` text,
	`view_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`studio_id`) REFERENCES `studio_studios`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `studio_songs_file_key_unique` ON `studio_songs` (`file_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `studio_songs_share_token_unique` ON `studio_songs` (`share_token`);--> statement-breakpoint
CREATE INDEX `studio_songs_owner_idx` ON `studio_songs` (`owner_id`,`id`);--> statement-breakpoint
CREATE INDEX `studio_songs_studio_idx` ON `studio_songs` (`studio_id`);--> statement-breakpoint
CREATE TABLE `studio_studios` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `studio_studios_owner_idx` ON `studio_studios` (`owner_id`);--> statement-breakpoint
CREATE TABLE `studio_tracks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`studio_id` integer NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`instrument` text NOT NULL,
	`position` integer NOT NULL,
	`status` text NOT NULL,
	`fail_code` text,
	`fail_reason` text,
	`track_key` text NOT NULL,
	`record_key` text NOT NULL,
	`track_format` text,
	`record_format` text,
	`track_size` integer,
	`record_size` integer,
	`duration` real,
	`upload_expires_at` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`studio_id`) REFERENCES `studio_studios`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `studio_tracks_studio_idx` ON `studio_tracks` (`studio_id`,`position`);--> statement-breakpoint
CREATE INDEX `studio_tracks_owner_idx` ON `studio_tracks` (`owner_id`);