CREATE TABLE `oauth_identities` (
	`provider` text NOT NULL,
	`subject` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`provider`, `subject`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `oauth_identities_user_idx` ON `oauth_identities` (`user_id`);--> statement-breakpoint
CREATE TABLE `promo_items` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text,
	`url` text NOT NULL,
	`phone_number` text,
	`thumbnail_url` text,
	`hashtags` text NOT NULL,
	`description` text,
	`category` text,
	`hours` text,
	`logo_url` text,
	`colors` text NOT NULL,
	`images` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `promo_items_user_idx` ON `promo_items` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `promo_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`url` text NOT NULL,
	`item_id` text,
	`aspect` text NOT NULL,
	`language` text NOT NULL,
	`metadata` integer DEFAULT false NOT NULL,
	`lyrics` integer DEFAULT false NOT NULL,
	`songs` integer DEFAULT false NOT NULL,
	`images` integer DEFAULT false NOT NULL,
	`movies` integer DEFAULT false NOT NULL,
	`combined` integer DEFAULT false NOT NULL,
	`lyrics_text` text,
	`video_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `promo_videos` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`item_id` text,
	`task_id` text,
	`title` text NOT NULL,
	`description` text,
	`filename` text NOT NULL,
	`file_key` text NOT NULL,
	`thumbnail_key` text,
	`resolution` text NOT NULL,
	`duration_sec` real NOT NULL,
	`status` text NOT NULL,
	`is_uploaded` integer DEFAULT false NOT NULL,
	`download_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promo_videos_filename_unique` ON `promo_videos` (`filename`);--> statement-breakpoint
CREATE INDEX `promo_videos_user_idx` ON `promo_videos` (`user_id`,`created_at`);