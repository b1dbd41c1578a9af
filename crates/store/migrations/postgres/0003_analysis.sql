-- Monthly analysis (研判): running totals per month, grid path, level and status, and per month,
-- grid path and category, kept by triggers on `events` so that every writer keeps them right.
-- A month of a county reads a few thousand of these rows instead of every event; what depends
-- on the present time (open and overdue) is counted from `events_open_due`, which holds open
-- events only.
CREATE TABLE event_month_stats (
    month BIGINT NOT NULL,
    path TEXT NOT NULL,
    level BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    closed_with_due BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    handling_ms BIGINT NOT NULL,
    rework BIGINT NOT NULL,
    PRIMARY KEY (month, path, level, status)
);

CREATE TABLE event_month_categories (
    month BIGINT NOT NULL,
    path TEXT NOT NULL,
    category_code TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, path, category_code)
);

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

CREATE FUNCTION events_month_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE event_month_stats SET
            n = n - 1,
            closed_with_due = closed_with_due - CASE WHEN OLD.status = 'closed' AND OLD.due_at IS NOT NULL AND OLD.closed_at IS NOT NULL THEN 1 ELSE 0 END,
            on_time = on_time - CASE WHEN OLD.status = 'closed' AND OLD.closed_at <= OLD.due_at THEN 1 ELSE 0 END,
            handling_ms = handling_ms - CASE WHEN OLD.status = 'closed' AND OLD.closed_at IS NOT NULL THEN OLD.closed_at - OLD.reported_at ELSE 0 END,
            rework = rework - OLD.rework_count
        WHERE month = OLD.month AND path = OLD.path AND level = OLD.level AND status = OLD.status;
        IF TG_OP = 'DELETE' THEN
            UPDATE event_month_categories SET n = n - 1
            WHERE month = OLD.month AND path = OLD.path AND category_code = OLD.category_code;
        ELSIF OLD.month IS DISTINCT FROM NEW.month OR OLD.path IS DISTINCT FROM NEW.path
            OR OLD.category_code IS DISTINCT FROM NEW.category_code THEN
            UPDATE event_month_categories SET n = n - 1
            WHERE month = OLD.month AND path = OLD.path AND category_code = OLD.category_code;
            INSERT INTO event_month_categories (month, path, category_code, n)
            VALUES (NEW.month, NEW.path, NEW.category_code, 1)
            ON CONFLICT (month, path, category_code) DO UPDATE SET n = event_month_categories.n + 1;
        END IF;
    ELSE
        INSERT INTO event_month_categories (month, path, category_code, n)
        VALUES (NEW.month, NEW.path, NEW.category_code, 1)
        ON CONFLICT (month, path, category_code) DO UPDATE SET n = event_month_categories.n + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO event_month_stats (month, path, level, status, n, closed_with_due, on_time, handling_ms, rework)
        VALUES (NEW.month, NEW.path, NEW.level, NEW.status, 1,
            CASE WHEN NEW.status = 'closed' AND NEW.due_at IS NOT NULL AND NEW.closed_at IS NOT NULL THEN 1 ELSE 0 END,
            CASE WHEN NEW.status = 'closed' AND NEW.closed_at <= NEW.due_at THEN 1 ELSE 0 END,
            CASE WHEN NEW.status = 'closed' AND NEW.closed_at IS NOT NULL THEN NEW.closed_at - NEW.reported_at ELSE 0 END,
            NEW.rework_count)
        ON CONFLICT (month, path, level, status) DO UPDATE SET
            n = event_month_stats.n + EXCLUDED.n,
            closed_with_due = event_month_stats.closed_with_due + EXCLUDED.closed_with_due,
            on_time = event_month_stats.on_time + EXCLUDED.on_time,
            handling_ms = event_month_stats.handling_ms + EXCLUDED.handling_ms,
            rework = event_month_stats.rework + EXCLUDED.rework;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_month_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_month_rollup();

CREATE TRIGGER events_month_update AFTER UPDATE ON events
    FOR EACH ROW
    WHEN (OLD.month IS DISTINCT FROM NEW.month OR OLD.path IS DISTINCT FROM NEW.path
        OR OLD.level IS DISTINCT FROM NEW.level OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.category_code IS DISTINCT FROM NEW.category_code
        OR OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
        OR OLD.reported_at IS DISTINCT FROM NEW.reported_at OR OLD.rework_count IS DISTINCT FROM NEW.rework_count)
    EXECUTE FUNCTION events_month_rollup();

CREATE TRIGGER events_month_delete AFTER DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_month_rollup();
