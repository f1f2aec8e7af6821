ALTER TABLE `stories_settings` ADD `age_band` text;--> statement-breakpoint
ALTER TABLE `stories_settings` ADD `language` text;--> statement-breakpoint
ALTER TABLE `stories_settings` ADD `picture_style` text;