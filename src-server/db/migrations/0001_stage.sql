CREATE TABLE `stage_accessory_presets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` text NOT NULL,
	`preset_name` text NOT NULL,
	`description` text,
	`file_path` text NOT NULL,
	`is_public` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stage_accessory_presets_owner_name_unique` ON `stage_accessory_presets` (`owner_id`,`preset_name`);--> statement-breakpoint
CREATE INDEX `stage_accessory_presets_public_idx` ON `stage_accessory_presets` (`is_public`);--> statement-breakpoint
CREATE TABLE `stage_audio_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`artist` text,
	`file_path` text NOT NULL,
	`file_size` integer NOT NULL,
	`duration` real,
	`format` text NOT NULL,
	`uploaded_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`uploaded_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stage_audio_files_file_path_unique` ON `stage_audio_files` (`file_path`);--> statement-breakpoint
CREATE INDEX `stage_audio_files_uploaded_by_idx` ON `stage_audio_files` (`uploaded_by`);--> statement-breakpoint
CREATE TABLE `stage_concert_audience` (
	`room_id` text NOT NULL,
	`user_id` text NOT NULL,
	`joined_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `user_id`),
	FOREIGN KEY (`room_id`) REFERENCES `stage_concerts`(`room_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `stage_concert_audience_user_idx` ON `stage_concert_audience` (`user_id`);--> statement-breakpoint
CREATE TABLE `stage_concerts` (
	`room_id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`concert_name` text NOT NULL,
	`songs` text NOT NULL,
	`accessories` text NOT NULL,
	`max_audience` integer NOT NULL,
	`current_song` integer,
	`is_open` integer DEFAULT false NOT NULL,
	`listen_server` text,
	`song_started_at` integer,
	`ttl_seconds` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `stage_concerts_expires_idx` ON `stage_concerts` (`expires_at`);--> statement-breakpoint
CREATE INDEX `stage_concerts_owner_idx` ON `stage_concerts` (`owner_id`);--> statement-breakpoint
CREATE TABLE `stage_models` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` text NOT NULL,
	`model_name` text NOT NULL,
	`file_path` text NOT NULL,
	`file_size` integer,
	`thumbnail_path` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stage_models_owner_name_unique` ON `stage_models` (`owner_id`,`model_name`);