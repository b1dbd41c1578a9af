-- Requests to move a person's registration into another grid (人口迁入/迁出). `office_path` is
-- the lowest node above both grids: operators and administrators there or above decide. The
-- requester sees the status, never the person's grid, until the request is approved.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    from_grid_id INTEGER NOT NULL REFERENCES nodes (id),
    to_grid_id INTEGER NOT NULL REFERENCES nodes (id),
    office_path TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users (id),
    requester_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    decided_by INTEGER REFERENCES users (id),
    decider_name TEXT,
    decided_at INTEGER,
    decision_note TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX transfers_office ON transfers (office_path, status, id);
CREATE INDEX transfers_requester ON transfers (requested_by, id);
-- One waiting request for a person into a grid: asking twice adds nothing.
CREATE UNIQUE INDEX transfers_one_pending ON transfers (person_id, to_grid_id) WHERE status = 'pending';
