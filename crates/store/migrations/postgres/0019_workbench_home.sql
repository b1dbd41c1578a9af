-- The worker's day and the leaders' views count each worker's records GROUP BY worker; these
-- indexes keep those counts to index ranges with a year of records for a city's workers.
-- Information entries (the events a worker registered, by time) use events_reporter_user of
-- migration 18.
-- Households visited in a month per worker, read from the index alone.
CREATE INDEX visits_worker_day_household ON visits (worker_id, day, household_id);
-- Key persons of the grids under a node, by the blind index of their tag.
CREATE INDEX person_tags_path_tag ON person_tags (path text_pattern_ops, tag_index);
-- Households of the grids under a node (`path LIKE 'prefix%'`): SQLite's LIKE uses
-- households_path already (case_sensitive_like); PostgreSQL needs the pattern operator class.
CREATE INDEX households_path_prefix ON households (path text_pattern_ops);
