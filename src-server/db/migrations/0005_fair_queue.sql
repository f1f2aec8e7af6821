ALTER TABLE `jobs` ADD `from_owner` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `promoted_at` integer;