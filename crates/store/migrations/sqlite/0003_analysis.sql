-- Monthly analysis (研判): running totals per month, grid path, level and status, and per month,
-- grid path and category, kept by triggers on `events` so that every writer keeps them right.
-- A month of a county reads a few thousand of these rows instead of every event; what depends
-- on the present time (open and overdue) is counted from `events_open_due`, which holds open
-- events only. The totals are stored in key order (WITHOUT ROWID), so a range of them is read
-- in one pass.
CREATE TABLE event_month_stats (
    month INTEGER NOT NULL,
    path TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    closed_with_due INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    handling_ms INTEGER NOT NULL,
    rework INTEGER NOT NULL,
    PRIMARY KEY (month, path, level, status)
) WITHOUT ROWID;

CREATE TABLE event_month_categories (
    month INTEGER NOT NULL,
    path TEXT NOT NULL,
    category_code TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (month, path, category_code)
) WITHOUT ROWID;

CREATE INDEX events_open_due ON events (month, path, due_at)
    WHERE status IN ('reported', 'accepted', 'assigned', 'feedback_given');

INSERT INTO event_month_stats (month, path, level, status, n, closed_with_due, on_time, handling_ms, rework)
SELECT month, path, level, status, COUNT(*),
    SUM(CASE WHEN status = 'closed' AND due_at IS NOT NULL AND closed_at IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_at <= due_at THEN 1 ELSE 0 END),
    SUM(CASE WHEN status = 'closed' AND closed_at IS NOT NULL THEN closed_at - reported_at ELSE 0 END),
    SUM(rework_count)
FROM events GROUP BY month, path, level, status;

INSERT INTO event_month_categories (month, path, category_code, n)
SELECT month, path, category_code, COUNT(*) FROM events GROUP BY month, path, category_code;

CREATE TRIGGER events_month_insert AFTER INSERT ON events
BEGIN
    INSERT INTO event_month_stats (month, path, level, status, n, closed_with_due, on_time, handling_ms, rework)
    VALUES (NEW.month, NEW.path, NEW.level, NEW.status, 1,
        CASE WHEN NEW.status = 'closed' AND NEW.due_at IS NOT NULL AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN NEW.status = 'closed' AND NEW.closed_at <= NEW.due_at THEN 1 ELSE 0 END,
        CASE WHEN NEW.status = 'closed' AND NEW.closed_at IS NOT NULL THEN NEW.closed_at - NEW.reported_at ELSE 0 END,
        NEW.rework_count)
    ON CONFLICT (month, path, level, status) DO UPDATE SET
        n = n + excluded.n,
        closed_with_due = closed_with_due + excluded.closed_with_due,
        on_time = on_time + excluded.on_time,
        handling_ms = handling_ms + excluded.handling_ms,
        rework = rework + excluded.rework;
    INSERT INTO event_month_categories (month, path, category_code, n)
    VALUES (NEW.month, NEW.path, NEW.category_code, 1)
    ON CONFLICT (month, path, category_code) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_month_update AFTER UPDATE ON events
WHEN OLD.month IS NOT NEW.month OR OLD.path IS NOT NEW.path OR OLD.level IS NOT NEW.level
    OR OLD.status IS NOT NEW.status OR OLD.category_code IS NOT NEW.category_code
    OR OLD.due_at IS NOT NEW.due_at OR OLD.closed_at IS NOT NEW.closed_at
    OR OLD.reported_at IS NOT NEW.reported_at OR OLD.rework_count IS NOT NEW.rework_count
BEGIN
    UPDATE event_month_stats SET
        n = n - 1,
        closed_with_due = closed_with_due - CASE WHEN OLD.status = 'closed' AND OLD.due_at IS NOT NULL AND OLD.closed_at IS NOT NULL THEN 1 ELSE 0 END,
        on_time = on_time - CASE WHEN OLD.status = 'closed' AND OLD.closed_at <= OLD.due_at THEN 1 ELSE 0 END,
        handling_ms = handling_ms - CASE WHEN OLD.status = 'closed' AND OLD.closed_at IS NOT NULL THEN OLD.closed_at - OLD.reported_at ELSE 0 END,
        rework = rework - OLD.rework_count
    WHERE month = OLD.month AND path = OLD.path AND level = OLD.level AND status = OLD.status;
    INSERT INTO event_month_stats (month, path, level, status, n, closed_with_due, on_time, handling_ms, rework)
    VALUES (NEW.month, NEW.path, NEW.level, NEW.status, 1,
        CASE WHEN NEW.status = 'closed' AND NEW.due_at IS NOT NULL AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN NEW.status = 'closed' AND NEW.closed_at <= NEW.due_at THEN 1 ELSE 0 END,
        CASE WHEN NEW.status = 'closed' AND NEW.closed_at IS NOT NULL THEN NEW.closed_at - NEW.reported_at ELSE 0 END,
        NEW.rework_count)
    ON CONFLICT (month, path, level, status) DO UPDATE SET
        n = n + excluded.n,
        closed_with_due = closed_with_due + excluded.closed_with_due,
        on_time = on_time + excluded.on_time,
        handling_ms = handling_ms + excluded.handling_ms,
        rework = rework + excluded.rework;
END;

CREATE TRIGGER events_month_category_update AFTER UPDATE ON events
WHEN OLD.month IS NOT NEW.month OR OLD.path IS NOT NEW.path OR OLD.category_code IS NOT NEW.category_code
BEGIN
    UPDATE event_month_categories SET n = n - 1
    WHERE month = OLD.month AND path = OLD.path AND category_code = OLD.category_code;
    INSERT INTO event_month_categories (month, path, category_code, n)
    VALUES (NEW.month, NEW.path, NEW.category_code, 1)
    ON CONFLICT (month, path, category_code) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_month_delete AFTER DELETE ON events
BEGIN
    UPDATE event_month_stats SET
        n = n - 1,
        closed_with_due = closed_with_due - CASE WHEN OLD.status = 'closed' AND OLD.due_at IS NOT NULL AND OLD.closed_at IS NOT NULL THEN 1 ELSE 0 END,
        on_time = on_time - CASE WHEN OLD.status = 'closed' AND OLD.closed_at <= OLD.due_at THEN 1 ELSE 0 END,
        handling_ms = handling_ms - CASE WHEN OLD.status = 'closed' AND OLD.closed_at IS NOT NULL THEN OLD.closed_at - OLD.reported_at ELSE 0 END,
        rework = rework - OLD.rework_count
    WHERE month = OLD.month AND path = OLD.path AND level = OLD.level AND status = OLD.status;
    UPDATE event_month_categories SET n = n - 1
    WHERE month = OLD.month AND path = OLD.path AND category_code = OLD.category_code;
END;
