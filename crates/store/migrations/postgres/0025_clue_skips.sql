-- Verified events in a clue category that the reporter's catalogue in force did not list (or
-- that gave clues no points) when the award looked at them. Each is looked at once: without
-- this, 500 of them would fill every batch of the award and starve the events behind them.
CREATE TABLE clue_skips (
    event_id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL
);
