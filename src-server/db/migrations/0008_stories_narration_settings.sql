CREATE TABLE `stories_settings` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`retention_days` integer,
	`narrator_voice` text,
	`voice_consent_at` text,
	`voice_match` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `stories_chapters` ADD `audio_sentences` text;--> statement-breakpoint
ALTER TABLE `stories_stories` ADD `narration` text;