ALTER TABLE `promo_items` ADD `pictures` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `promo_tasks` ADD `caption_style` text DEFAULT 'classic' NOT NULL;--> statement-breakpoint
ALTER TABLE `promo_videos` ADD `encoder` text DEFAULT 'libx264' NOT NULL;