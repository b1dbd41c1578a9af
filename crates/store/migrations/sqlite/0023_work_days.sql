-- Per worker and day, what the leaders' views sum (issue 15, "Speed"): family visits, diary
-- entries, the week's sweep (on its Monday), seconds in the grid and a log-in. A township's
-- month reads a few thousand of these rows instead of every visit. Triggers keep the table in
-- step with every writer in the writer's own statement, the demo's and bench's bulk loads
-- included; a resent record (client key seen before) inserts nothing, so counts nothing.
-- `workday` is 1 from Monday to Friday, as the views judge days; `patrol_seconds` is NULL on a
-- day without a `patrol_days` row (which the views tell from a day of 0 seconds).
CREATE TABLE work_days (
    worker_id INTEGER NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    workday INTEGER NOT NULL,
    family_visits INTEGER NOT NULL DEFAULT 0,
    diary INTEGER NOT NULL DEFAULT 0,
    sweeps INTEGER NOT NULL DEFAULT 0,
    patrol_seconds INTEGER,
    logged_in INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (worker_id, day)
) WITHOUT ROWID;

-- The records already written. (`WHERE true` keeps SQLite from reading ON CONFLICT as a join.)
INSERT INTO work_days (worker_id, day, workday, family_visits)
SELECT worker_id, day, CASE WHEN strftime('%w', day) IN ('0', '6') THEN 0 ELSE 1 END, COUNT(*)
FROM visits WHERE target_kind IN ('household', 'person') GROUP BY worker_id, day;
INSERT INTO work_days (worker_id, day, workday, diary)
SELECT worker_id, day, CASE WHEN strftime('%w', day) IN ('0', '6') THEN 0 ELSE 1 END, COUNT(*)
FROM diary_entries WHERE true GROUP BY worker_id, day
ON CONFLICT (worker_id, day) DO UPDATE SET diary = diary + excluded.diary;
INSERT INTO work_days (worker_id, day, workday, sweeps)
SELECT worker_id, week, CASE WHEN strftime('%w', week) IN ('0', '6') THEN 0 ELSE 1 END, COUNT(*)
FROM sweeps WHERE true GROUP BY worker_id, week
ON CONFLICT (worker_id, day) DO UPDATE SET sweeps = sweeps + excluded.sweeps;
INSERT INTO work_days (worker_id, day, workday, patrol_seconds)
SELECT worker_id, day, CASE WHEN strftime('%w', day) IN ('0', '6') THEN 0 ELSE 1 END, seconds_inside
FROM patrol_days WHERE true
ON CONFLICT (worker_id, day) DO UPDATE SET patrol_seconds = excluded.patrol_seconds;
INSERT INTO work_days (worker_id, day, workday, logged_in)
SELECT user_id, day, CASE WHEN strftime('%w', day) IN ('0', '6') THEN 0 ELSE 1 END, 1
FROM login_days WHERE true
ON CONFLICT (worker_id, day) DO UPDATE SET logged_in = 1;

CREATE TRIGGER work_days_visit AFTER INSERT ON visits
    WHEN NEW.target_kind IN ('household', 'person')
BEGIN
    INSERT INTO work_days (worker_id, day, workday, family_visits)
    VALUES (NEW.worker_id, NEW.day,
        CASE WHEN strftime('%w', NEW.day) IN ('0', '6') THEN 0 ELSE 1 END, 1)
    ON CONFLICT (worker_id, day) DO UPDATE SET family_visits = family_visits + 1;
END;
CREATE TRIGGER work_days_visit_gone AFTER DELETE ON visits
    WHEN OLD.target_kind IN ('household', 'person')
BEGIN
    UPDATE work_days SET family_visits = family_visits - 1
    WHERE worker_id = OLD.worker_id AND day = OLD.day;
END;
CREATE TRIGGER work_days_diary AFTER INSERT ON diary_entries
BEGIN
    INSERT INTO work_days (worker_id, day, workday, diary)
    VALUES (NEW.worker_id, NEW.day,
        CASE WHEN strftime('%w', NEW.day) IN ('0', '6') THEN 0 ELSE 1 END, 1)
    ON CONFLICT (worker_id, day) DO UPDATE SET diary = diary + 1;
END;
CREATE TRIGGER work_days_diary_gone AFTER DELETE ON diary_entries
BEGIN
    UPDATE work_days SET diary = diary - 1 WHERE worker_id = OLD.worker_id AND day = OLD.day;
END;
CREATE TRIGGER work_days_sweep AFTER INSERT ON sweeps
BEGIN
    INSERT INTO work_days (worker_id, day, workday, sweeps)
    VALUES (NEW.worker_id, NEW.week,
        CASE WHEN strftime('%w', NEW.week) IN ('0', '6') THEN 0 ELSE 1 END, 1)
    ON CONFLICT (worker_id, day) DO UPDATE SET sweeps = sweeps + 1;
END;
CREATE TRIGGER work_days_sweep_gone AFTER DELETE ON sweeps
BEGIN
    UPDATE work_days SET sweeps = sweeps - 1 WHERE worker_id = OLD.worker_id AND day = OLD.week;
END;
-- A patrol's days are recomputed (upserted) whenever its points arrive: the day holds the last.
CREATE TRIGGER work_days_patrol AFTER INSERT ON patrol_days
BEGIN
    INSERT INTO work_days (worker_id, day, workday, patrol_seconds)
    VALUES (NEW.worker_id, NEW.day,
        CASE WHEN strftime('%w', NEW.day) IN ('0', '6') THEN 0 ELSE 1 END, NEW.seconds_inside)
    ON CONFLICT (worker_id, day) DO UPDATE SET patrol_seconds = excluded.patrol_seconds;
END;
CREATE TRIGGER work_days_patrol_again AFTER UPDATE OF seconds_inside ON patrol_days
BEGIN
    UPDATE work_days SET patrol_seconds = NEW.seconds_inside
    WHERE worker_id = NEW.worker_id AND day = NEW.day;
END;
CREATE TRIGGER work_days_login AFTER INSERT ON login_days
BEGIN
    INSERT INTO work_days (worker_id, day, workday, logged_in)
    VALUES (NEW.user_id, NEW.day,
        CASE WHEN strftime('%w', NEW.day) IN ('0', '6') THEN 0 ELSE 1 END, 1)
    ON CONFLICT (worker_id, day) DO UPDATE SET logged_in = 1;
END;
