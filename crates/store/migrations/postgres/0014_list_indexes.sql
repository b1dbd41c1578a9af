-- Lists that seek instead of scan (issue 14); see the SQLite migration for the reasons.
-- Equality on path expressions rather than LIKE: it needs no pattern operator class and
-- gives the planner the same plan whether or not it knows the value (generic plans).
CREATE INDEX events_reported ON events (reported_at, id);
CREATE INDEX events_category_reported ON events (category_code, reported_at, id);
CREATE INDEX events_grid_reported ON events (path, reported_at, id);
CREATE INDEX events_city_reported ON events ((substr(path, 1, 14)), reported_at, id);
CREATE INDEX events_county_reported ON events ((substr(path, 1, 27)), reported_at, id);
CREATE INDEX events_township_reported ON events ((substr(path, 1, 40)), reported_at, id);
CREATE INDEX events_village_reported ON events ((substr(path, 1, 53)), reported_at, id);
CREATE INDEX events_holder_reported ON events (holder_path, status, reported_at, id);
CREATE INDEX events_closed_at ON events (status, closed_at);
CREATE INDEX events_village_closed_at ON events ((substr(path, 1, 53)), status, closed_at);

-- A range of paths compares bytes ("C"), whatever the database's collation.
CREATE TABLE event_reach (
    path TEXT COLLATE "C" NOT NULL,
    reported_at BIGINT NOT NULL,
    event_id BIGINT NOT NULL REFERENCES events (id),
    PRIMARY KEY (path, reported_at, event_id)
);

CREATE FUNCTION event_parties_reach() RETURNS trigger AS $$
BEGIN
    INSERT INTO event_reach (path, reported_at, event_id)
    SELECT NEW.path, e.reported_at, e.id FROM events e
    WHERE e.id = NEW.event_id AND substr(e.path, 1, length(NEW.path)) <> NEW.path
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER event_parties_reach AFTER INSERT ON event_parties
    FOR EACH ROW EXECUTE FUNCTION event_parties_reach();

INSERT INTO event_reach (path, reported_at, event_id)
SELECT p.path, e.reported_at, e.id FROM event_parties p JOIN events e ON e.id = p.event_id
WHERE substr(e.path, 1, length(p.path)) <> p.path
ON CONFLICT DO NOTHING;
