CREATE TABLE `stage_concert_guests` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pass_hash` text NOT NULL,
	`room_id` text NOT NULL,
	`name` text NOT NULL,
	`seated_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`room_id`) REFERENCES `stage_concerts`(`room_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stage_concert_guests_pass_hash_unique` ON `stage_concert_guests` (`pass_hash`);--> statement-breakpoint
CREATE INDEX `stage_concert_guests_room_idx` ON `stage_concert_guests` (`room_id`);--> statement-breakpoint
ALTER TABLE `stage_concerts` ADD `allow_guests` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `stage_concerts` ADD `join_code` text;--> statement-breakpoint
CREATE UNIQUE INDEX `stage_concerts_join_code_unique` ON `stage_concerts` (`join_code`);