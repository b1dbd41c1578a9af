-- Per worker and day, what the leaders' views sum (issue 15, "Speed"): family visits, diary
-- entries, the week's sweep (on its Monday), seconds in the grid and a log-in. A township's
-- month reads a few thousand of these rows instead of every visit. Triggers keep the table in
-- step with every writer in the writer's own statement, the demo's and bench's bulk loads
-- included; a resent record (client key seen before) inserts nothing, so counts nothing.
-- `workday` is 1 from Monday to Friday, as the views judge days; `patrol_seconds` is NULL on a
-- day without a `patrol_days` row (which the views tell from a day of 0 seconds).
CREATE TABLE work_days (
    worker_id BIGINT NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    workday INTEGER NOT NULL,
    family_visits INTEGER NOT NULL DEFAULT 0,
    diary INTEGER NOT NULL DEFAULT 0,
    sweeps INTEGER NOT NULL DEFAULT 0,
    patrol_seconds BIGINT,
    logged_in INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (worker_id, day)
);

CREATE FUNCTION work_day_workday(d TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN EXTRACT(ISODOW FROM CAST(d AS DATE)) >= 6 THEN 0 ELSE 1 END;
$$;

-- The records already written.
INSERT INTO work_days (worker_id, day, workday, family_visits)
SELECT worker_id, day, work_day_workday(day), COUNT(*)
FROM visits WHERE target_kind IN ('household', 'person') GROUP BY worker_id, day;
INSERT INTO work_days (worker_id, day, workday, diary)
SELECT worker_id, day, work_day_workday(day), COUNT(*) FROM diary_entries GROUP BY worker_id, day
ON CONFLICT (worker_id, day) DO UPDATE SET diary = work_days.diary + EXCLUDED.diary;
INSERT INTO work_days (worker_id, day, workday, sweeps)
SELECT worker_id, week, work_day_workday(week), COUNT(*) FROM sweeps GROUP BY worker_id, week
ON CONFLICT (worker_id, day) DO UPDATE SET sweeps = work_days.sweeps + EXCLUDED.sweeps;
INSERT INTO work_days (worker_id, day, workday, patrol_seconds)
SELECT worker_id, day, work_day_workday(day), seconds_inside FROM patrol_days
ON CONFLICT (worker_id, day) DO UPDATE SET patrol_seconds = EXCLUDED.patrol_seconds;
INSERT INTO work_days (worker_id, day, workday, logged_in)
SELECT user_id, day, work_day_workday(day), 1 FROM login_days
ON CONFLICT (worker_id, day) DO UPDATE SET logged_in = 1;

-- Inserts count once per statement (the transition table), so a bulk load of a year touches
-- each worker's day once rather than once per record.
CREATE FUNCTION work_days_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO work_days (worker_id, day, workday, family_visits)
    SELECT worker_id, day, work_day_workday(day), COUNT(*) FROM new_rows
    WHERE target_kind IN ('household', 'person') GROUP BY worker_id, day
    ON CONFLICT (worker_id, day) DO UPDATE
    SET family_visits = work_days.family_visits + EXCLUDED.family_visits;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_visits AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_visits();

CREATE FUNCTION work_days_diary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO work_days (worker_id, day, workday, diary)
    SELECT worker_id, day, work_day_workday(day), COUNT(*) FROM new_rows GROUP BY worker_id, day
    ON CONFLICT (worker_id, day) DO UPDATE SET diary = work_days.diary + EXCLUDED.diary;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_diary AFTER INSERT ON diary_entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_diary();

CREATE FUNCTION work_days_sweeps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO work_days (worker_id, day, workday, sweeps)
    SELECT worker_id, week, work_day_workday(week), COUNT(*) FROM new_rows GROUP BY worker_id, week
    ON CONFLICT (worker_id, day) DO UPDATE SET sweeps = work_days.sweeps + EXCLUDED.sweeps;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_sweeps AFTER INSERT ON sweeps
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_sweeps();

-- A patrol's days are recomputed (upserted) whenever its points arrive: the day holds the last.
CREATE FUNCTION work_days_patrol() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO work_days (worker_id, day, workday, patrol_seconds)
    SELECT worker_id, day, work_day_workday(day), seconds_inside FROM new_rows
    ON CONFLICT (worker_id, day) DO UPDATE SET patrol_seconds = EXCLUDED.patrol_seconds;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_patrol AFTER INSERT ON patrol_days
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_patrol();
CREATE TRIGGER work_days_patrol_again AFTER UPDATE ON patrol_days
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_patrol();

CREATE FUNCTION work_days_logins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO work_days (worker_id, day, workday, logged_in)
    SELECT user_id, day, work_day_workday(day), 1 FROM new_rows
    ON CONFLICT (worker_id, day) DO UPDATE SET logged_in = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_logins AFTER INSERT ON login_days
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_logins();

-- Records are never deleted by the application; should one be, its day counts it no more.
CREATE FUNCTION work_days_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'visits' THEN
        UPDATE work_days w SET family_visits = w.family_visits - c.n
        FROM (SELECT worker_id, day, COUNT(*) AS n FROM old_rows
              WHERE target_kind IN ('household', 'person') GROUP BY worker_id, day) c
        WHERE w.worker_id = c.worker_id AND w.day = c.day;
    ELSIF TG_TABLE_NAME = 'diary_entries' THEN
        UPDATE work_days w SET diary = w.diary - c.n
        FROM (SELECT worker_id, day, COUNT(*) AS n FROM old_rows GROUP BY worker_id, day) c
        WHERE w.worker_id = c.worker_id AND w.day = c.day;
    ELSE
        UPDATE work_days w SET sweeps = w.sweeps - c.n
        FROM (SELECT worker_id, week, COUNT(*) AS n FROM old_rows GROUP BY worker_id, week) c
        WHERE w.worker_id = c.worker_id AND w.day = c.week;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_days_visits_gone AFTER DELETE ON visits
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_gone();
CREATE TRIGGER work_days_diary_gone AFTER DELETE ON diary_entries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_gone();
CREATE TRIGGER work_days_sweeps_gone AFTER DELETE ON sweeps
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION work_days_gone();
