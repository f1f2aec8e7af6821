ALTER TABLE `stage_concerts` ADD `paused_position_ms` integer;--> statement-breakpoint
ALTER TABLE `stage_concerts` ADD `requests` text DEFAULT '[]' NOT NULL;