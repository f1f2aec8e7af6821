CREATE TABLE `canvas_board_images` (
	`board_id` text NOT NULL,
	`image_id` text NOT NULL,
	`added_at` text NOT NULL,
	PRIMARY KEY(`board_id`, `image_id`),
	FOREIGN KEY (`board_id`) REFERENCES `canvas_boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `canvas_images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `canvas_board_images_image_idx` ON `canvas_board_images` (`image_id`);--> statement-breakpoint
CREATE TABLE `canvas_boards` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_boards_id_unique` ON `canvas_boards` (`id`);--> statement-breakpoint
CREATE INDEX `canvas_boards_user_idx` ON `canvas_boards` (`user_id`);--> statement-breakpoint
CREATE TABLE `canvas_credit_accounts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`balance` integer NOT NULL,
	`period_start` text NOT NULL,
	`period_end` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `canvas_credit_transactions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`amount` integer NOT NULL,
	`description` text NOT NULL,
	`balance_after` integer NOT NULL,
	`job_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_credit_transactions_id_unique` ON `canvas_credit_transactions` (`id`);--> statement-breakpoint
CREATE INDEX `canvas_credit_tx_user_idx` ON `canvas_credit_transactions` (`user_id`,`seq`);--> statement-breakpoint
CREATE TABLE `canvas_generations` (
	`job_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`model` text NOT NULL,
	`work_units` real NOT NULL,
	`reserved` integer NOT NULL,
	`reservation` text NOT NULL,
	`credits_used` integer DEFAULT 0 NOT NULL,
	`compute_ms` integer,
	`images_created` integer DEFAULT 0 NOT NULL,
	`input_keys` text NOT NULL,
	`created_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `canvas_generations_user_idx` ON `canvas_generations` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `canvas_images` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`job_id` text,
	`file_key` text NOT NULL,
	`thumbnail_key` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`file_size` integer NOT NULL,
	`thumbnail_size` integer NOT NULL,
	`mime_type` text NOT NULL,
	`starred` integer DEFAULT false NOT NULL,
	`share_token` text,
	`metadata` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_images_id_unique` ON `canvas_images` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_images_share_token_unique` ON `canvas_images` (`share_token`);--> statement-breakpoint
CREATE INDEX `canvas_images_user_idx` ON `canvas_images` (`user_id`,`created_at`);