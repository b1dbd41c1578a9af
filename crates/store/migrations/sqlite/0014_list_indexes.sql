-- Lists that seek instead of scan (issue 14). Every list is ordered newest first by
-- (reported_at, id); each index below delivers that order after the list's equality filters,
-- so a page reads about as many rows as it shows.
--
-- Open311 `GET requests` without and with one service_code.
CREATE INDEX events_reported ON events (reported_at, id);
CREATE INDEX events_category_reported ON events (category_code, reported_at, id);
-- A scope is a path prefix. Node codes have fixed widths, so a city, county, township or
-- village scope is the first 14, 27, 40 or 53 characters of an event's (grid) path and a grid
-- scope is the whole path: equality on these expressions seeks straight into the scope, in
-- order (and gives PostgreSQL statistics of each prefix, so it estimates a scope's share).
CREATE INDEX events_grid_reported ON events (path, reported_at, id);
CREATE INDEX events_city_reported ON events (substr(path, 1, 14), reported_at, id);
CREATE INDEX events_county_reported ON events (substr(path, 1, 27), reported_at, id);
CREATE INDEX events_township_reported ON events (substr(path, 1, 40), reported_at, id);
CREATE INDEX events_village_reported ON events (substr(path, 1, 53), reported_at, id);
-- "To accept" and "to handle": what is held at the caller's node.
CREATE INDEX events_holder_reported ON events (holder_path, status, reported_at, id);
-- The public board: closed events, last closed first, of a village (a grid's board uses
-- events_grid_closed of migration 2; a wider node's walks events_closed_at).
CREATE INDEX events_closed_at ON events (status, closed_at);
CREATE INDEX events_village_closed_at ON events (substr(path, 1, 53), status, closed_at);

-- Who else sees an event: parties (departments, nodes it was transferred to) whose path is not
-- above the event's grid. An event's own ancestors are found by its path; these few are found
-- here, kept by a trigger so that no writer has to remember them.
CREATE TABLE event_reach (
    path TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    PRIMARY KEY (path, reported_at, event_id)
);

CREATE TRIGGER event_parties_reach AFTER INSERT ON event_parties
BEGIN
    INSERT OR IGNORE INTO event_reach (path, reported_at, event_id)
    SELECT NEW.path, e.reported_at, e.id FROM events e
    WHERE e.id = NEW.event_id AND substr(e.path, 1, length(NEW.path)) <> NEW.path;
END;

INSERT OR IGNORE INTO event_reach (path, reported_at, event_id)
SELECT p.path, e.reported_at, e.id FROM event_parties p JOIN events e ON e.id = p.event_id
WHERE substr(e.path, 1, length(p.path)) <> p.path;
