ALTER TABLE `stage_audio_files` ADD `from_song_id` integer;--> statement-breakpoint
CREATE INDEX `stage_audio_files_from_song_idx` ON `stage_audio_files` (`from_song_id`);--> statement-breakpoint
ALTER TABLE `stage_concerts` ADD `paused_position_ms` integer;--> statement-breakpoint
ALTER TABLE `stage_concerts` ADD `requests` text DEFAULT '[]' NOT NULL;