-- The home page's work counts without reading a scope whole (issue 14); see the SQLite
-- migration for the reasons. Paths are text_pattern_ops so that a scope is a byte-wise range
-- (~>=~ / ~<~) whatever the database's collation.
CREATE INDEX events_open_status_path ON events (status, path text_pattern_ops, due_at, level_started_at)
    WHERE status IN ('reported', 'accepted', 'assigned', 'feedback_given');
CREATE INDEX events_open_supervised ON events (path text_pattern_ops)
    WHERE supervision IS NOT NULL AND status IN ('reported', 'accepted', 'assigned', 'feedback_given');
