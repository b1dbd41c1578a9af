-- Daily use, meetings and the monthly ledger (staffops): what the daily log-in check needs to
-- run once per day and stay cheap, and the index the ledger counts a worker's reports by.

-- The days the daily check has judged (reminders written, month closed), so each day is judged
-- once however many instances run and however often the scheduler ticks.
CREATE TABLE login_checks (
    day TEXT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);

-- The first day of log-in data (MIN(day)) and a day's log-ins, without a scan.
CREATE INDEX login_days_day ON login_days (day, user_id);

-- A worker's notices (their page) and the reports a worker made in a month (the ledger).
CREATE INDEX criticism_user ON criticism_notices (user_id, period);
CREATE INDEX events_reporter_user ON events (reporter_user_id, reported_at);
