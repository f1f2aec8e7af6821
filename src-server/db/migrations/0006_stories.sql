CREATE TABLE `stories_chapters` (
	`id` text PRIMARY KEY NOT NULL,
	`story_id` text NOT NULL,
	`chapter_number` integer NOT NULL,
	`title` text NOT NULL,
	`content` text NOT NULL,
	`image_key` text,
	`audio_key` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`story_id`) REFERENCES `stories_stories`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stories_chapters_story_number_idx` ON `stories_chapters` (`story_id`,`chapter_number`);--> statement-breakpoint
CREATE TABLE `stories_conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`child_name` text NOT NULL,
	`age` integer,
	`interests` text NOT NULL,
	`language` text NOT NULL,
	`turns` text NOT NULL,
	`elements` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `stories_conversations_owner_idx` ON `stories_conversations` (`owner_id`);--> statement-breakpoint
CREATE TABLE `stories_stories` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`conversation_id` text,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`preferences` text NOT NULL,
	`engine` text,
	`language` text,
	`job_id` text,
	`fail_code` text,
	`fail_reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `stories_conversations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `stories_stories_owner_created_idx` ON `stories_stories` (`owner_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `stories_stories_owner_updated_idx` ON `stories_stories` (`owner_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `stories_stories_owner_title_idx` ON `stories_stories` (`owner_id`,`title`,`id`);