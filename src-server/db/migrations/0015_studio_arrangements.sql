CREATE TABLE `studio_arrangements` (
	`studio_id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`doc` text NOT NULL,
	`undo` text NOT NULL,
	`redo` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`studio_id`) REFERENCES `studio_studios`(`id`) ON UPDATE no action ON DELETE cascade
);
