-- The home page's work counts without reading a scope whole (issue 14). Each count stops at
-- 1001 rows, but an inbox that is rare in a scope (supervised, due soon, to verify) would still
-- have read every event of a county to find it so. These partial indexes hold only open events
-- (the backlog, not the years of closed ones), by status and then by path so that a scope is a
-- range of paths; the due times make the overdue and due-soon tests index-only.
CREATE INDEX events_open_status_path ON events (status, path, due_at, level_started_at)
    WHERE status IN ('reported', 'accepted', 'assigned', 'feedback_given');
-- Supervised open events: few, whatever the scope's size.
CREATE INDEX events_open_supervised ON events (path)
    WHERE supervision IS NOT NULL AND status IN ('reported', 'accepted', 'assigned', 'feedback_given');
