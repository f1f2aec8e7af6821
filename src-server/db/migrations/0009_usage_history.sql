PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_canvas_generations` (
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
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_canvas_generations`("job_id", "user_id", "kind", "model", "work_units", "reserved", "reservation", "credits_used", "compute_ms", "images_created", "input_keys", "created_at", "finished_at") SELECT "job_id", "user_id", "kind", "model", "work_units", "reserved", "reservation", "credits_used", "compute_ms", "images_created", "input_keys", "created_at", "finished_at" FROM `canvas_generations`;--> statement-breakpoint
DROP TABLE `canvas_generations`;--> statement-breakpoint
ALTER TABLE `__new_canvas_generations` RENAME TO `canvas_generations`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `canvas_generations_user_idx` ON `canvas_generations` (`user_id`,`created_at`);