CREATE TABLE `canvas_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`plan` text NOT NULL,
	`status` text NOT NULL,
	`billing_cycle` text NOT NULL,
	`current_period_start` text NOT NULL,
	`current_period_end` text NOT NULL,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`cancel_reason` text,
	`cancel_feedback` text,
	`provider_subscription_id` text,
	`provider_customer_id` text,
	`payment_method` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_subscriptions_user_id_unique` ON `canvas_subscriptions` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_subscriptions_provider_subscription_id_unique` ON `canvas_subscriptions` (`provider_subscription_id`);--> statement-breakpoint
CREATE TABLE `canvas_webhook_events` (
	`event_key` text PRIMARY KEY NOT NULL,
	`event_name` text NOT NULL,
	`user_id` text,
	`received_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `canvas_workflows` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`definition` text NOT NULL,
	`definition_size` integer NOT NULL,
	`is_public` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canvas_workflows_id_unique` ON `canvas_workflows` (`id`);--> statement-breakpoint
CREATE INDEX `canvas_workflows_user_idx` ON `canvas_workflows` (`user_id`,`seq`);