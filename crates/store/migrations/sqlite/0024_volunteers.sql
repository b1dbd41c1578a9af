-- Volunteer points (志愿者积分, SPEC §7, seed 003 篇二 附件6): the volunteers of a community
-- (楼栋长, 单元长 and others), the street's catalogue of kinds and points, activities taken first
-- come first served, the append-only hash-chained points ledger, monthly publication that locks
-- a month, quarterly archives, yearly awards, gifts and redemptions. Times are Unix milliseconds,
-- months 'YYYY-MM' and quarters 'YYYYQn' in China time.

-- A volunteer of a community (a village node): applied by a resident or added by the community,
-- active once approved, with an account (`user_id`, role volunteer at the community) from then.
-- The phone is sealed like the register's phones (blind index for duplicates, masked copy).
CREATE TABLE volunteers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER UNIQUE REFERENCES users (id),
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    grid_id INTEGER REFERENCES nodes (id),
    building TEXT NOT NULL,
    unit TEXT NOT NULL,
    post TEXT NOT NULL CHECK (post IN ('building_leader', 'unit_leader', 'volunteer')),
    name TEXT NOT NULL,
    phone_sealed TEXT,
    phone_index TEXT,
    phone_masked TEXT,
    skills TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'active', 'rejected', 'left')),
    source TEXT NOT NULL CHECK (source IN ('applied', 'added', 'imported')),
    applied_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_reason TEXT NOT NULL
);
CREATE INDEX volunteers_path ON volunteers (path, status);
CREATE INDEX volunteers_community ON volunteers (community_id, status, building, unit);
CREATE UNIQUE INDEX volunteers_phone ON volunteers (community_id, phone_index)
    WHERE phone_index IS NOT NULL AND status IN ('applied', 'active');

-- The catalogue of kinds and points (JSON of `domain::volunteers::catalogue::Catalogue`), kept
-- as versions by a street (township) or higher; the deepest node above a community whose newest
-- version is in force. Versions are never edited.
CREATE TABLE volunteer_catalogues (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    catalogue_json TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (node_id, version)
);
CREATE INDEX volunteer_catalogues_path ON volunteer_catalogues (path);

-- "Other" services (其他类): a community asks its street for a value; the street's decision is
-- recorded here, and an activity of kind 'other' names an approved row.
CREATE TABLE volunteer_approvals (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by INTEGER REFERENCES users (id),
    requested_by_name TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_note TEXT NOT NULL
);
CREATE INDEX volunteer_approvals_path ON volunteer_approvals (path, status);

-- An activity a community publishes. `confirmed` counts confirmed sign-ups: a sign-up takes a
-- place with one conditional UPDATE (confirmed < places), so no number of simultaneous sign-ups
-- confirms more than `places`.
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    kind TEXT NOT NULL,
    points INTEGER NOT NULL CHECK (points > 0),
    places INTEGER NOT NULL CHECK (places > 0),
    confirmed INTEGER NOT NULL CHECK (confirmed >= 0),
    location TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    catalogue_id INTEGER REFERENCES volunteer_catalogues (id),
    approval_id INTEGER REFERENCES volunteer_approvals (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'cancelled', 'done')),
    cancel_reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    done_by INTEGER REFERENCES users (id),
    done_at INTEGER,
    CHECK (confirmed <= places)
);
CREATE INDEX activities_path ON activities (path, starts_at);
CREATE INDEX activities_community ON activities (community_id, status, starts_at);

-- A volunteer's sign-up: 'confirmed' (has a place), 'waiting' (in `seq` order), 'cancelled';
-- after the service the organiser marks the confirmed ones 'served' or 'absent'.
CREATE TABLE activity_signups (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled', 'served', 'absent')),
    signed_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX activity_signups_queue ON activity_signups (activity_id, status, seq);
CREATE INDEX activity_signups_volunteer ON activity_signups (volunteer_id, signed_at);

-- What a volunteer is told (moved up from the waiting list, an activity cancelled, points
-- written): a message key and its parameters as JSON, read on the volunteer's page.
CREATE TABLE volunteer_messages (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    kind TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id),
    params_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX volunteer_messages_volunteer ON volunteer_messages (volunteer_id, id);

-- The points ledger. One row per entry: 'service' (an activity served), 'clue' (a reported
-- clue verified true), 'redeem' (a gift, negative), 'unredeem' (a cancelled redemption gives
-- back), 'correction' (a mistake corrected by a new entry naming the one it corrects, with a
-- reason). Append-only (triggers), chained per community: `seq` counts from 1 and `hash` is
-- SHA-256 over `prev_hash` and the row's fields (`store::volunteers::ledger`). `month` is the
-- month the points count in; a published month takes no new entries.
CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    seq INTEGER NOT NULL,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('service', 'clue', 'redeem', 'unredeem', 'correction')),
    points INTEGER NOT NULL,
    month TEXT NOT NULL,
    activity_id INTEGER REFERENCES activities (id),
    event_id INTEGER REFERENCES events (id),
    redemption_id INTEGER,
    corrects_id INTEGER REFERENCES points_ledger (id),
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (community_id, seq)
);
CREATE INDEX points_ledger_volunteer ON points_ledger (volunteer_id, id);
CREATE INDEX points_ledger_month ON points_ledger (community_id, month);
-- One service entry per activity and volunteer, one clue entry per event.
CREATE UNIQUE INDEX points_ledger_service ON points_ledger (activity_id, volunteer_id)
    WHERE kind = 'service';
CREATE UNIQUE INDEX points_ledger_clue ON points_ledger (event_id) WHERE kind = 'clue';
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
BEGIN
    SELECT RAISE(ABORT, 'points_ledger is append-only');
END;
CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
BEGIN
    SELECT RAISE(ABORT, 'points_ledger is append-only');
END;

-- Each volunteer's points per year, kept with every ledger append in the same transaction
-- (`earned`: service, clue and corrections; `spent`: redemptions less cancelled ones), so a
-- ranking reads one row per volunteer. Derived: `wangge verify` recomputes it from the ledger.
CREATE TABLE volunteer_points (
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    year INTEGER NOT NULL,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    earned INTEGER NOT NULL,
    spent INTEGER NOT NULL,
    PRIMARY KEY (volunteer_id, year)
);
CREATE INDEX volunteer_points_rank ON volunteer_points (year, earned, volunteer_id);
CREATE INDEX volunteer_points_path ON volunteer_points (year, path, earned);

-- A community's month, published (一月一公示): its totals and the ledger's tail at that moment.
-- Once here, the month takes no entries. Append-only.
CREATE TABLE points_months (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    month TEXT NOT NULL,
    entries INTEGER NOT NULL,
    points INTEGER NOT NULL,
    volunteers INTEGER NOT NULL,
    ledger_seq INTEGER NOT NULL,
    ledger_hash TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id),
    published_by_name TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    UNIQUE (community_id, month)
);
CREATE INDEX points_months_path ON points_months (path, month);
CREATE TRIGGER points_months_no_update BEFORE UPDATE ON points_months
BEGIN
    SELECT RAISE(ABORT, 'points_months is append-only');
END;
CREATE TRIGGER points_months_no_delete BEFORE DELETE ON points_months
BEGIN
    SELECT RAISE(ABORT, 'points_months is append-only');
END;

-- A street's quarterly summary (一季一汇总), archived: per community and volunteer as JSON, with
-- its SHA-256. Append-only.
CREATE TABLE points_archives (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    summary_hash TEXT NOT NULL,
    archived_by INTEGER REFERENCES users (id),
    archived_by_name TEXT NOT NULL,
    archived_at INTEGER NOT NULL,
    UNIQUE (node_id, quarter)
);
CREATE TRIGGER points_archives_no_update BEFORE UPDATE ON points_archives
BEGIN
    SELECT RAISE(ABORT, 'points_archives is append-only');
END;
CREATE TRIGGER points_archives_no_delete BEFORE DELETE ON points_archives
BEGIN
    SELECT RAISE(ABORT, 'points_archives is append-only');
END;

-- A street's yearly awards (按年评选): the share of excellent building and unit leaders it set,
-- and who was chosen (excellent leaders, the top 50 for the free health check) as JSON.
CREATE TABLE volunteer_awards (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    year INTEGER NOT NULL,
    share_pct INTEGER NOT NULL CHECK (share_pct BETWEEN 1 AND 100),
    awards_json TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT NOT NULL,
    decided_at INTEGER NOT NULL,
    UNIQUE (node_id, year)
);

-- A community's gifts (礼品) with a price in points and a stock that never goes below zero.
CREATE TABLE gifts (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    price INTEGER NOT NULL CHECK (price > 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    active BOOLEAN NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX gifts_community ON gifts (community_id, active);

-- A redemption: a 'redeem' ledger entry; cancelled, an 'unredeem' entry gives the points back
-- and the stock returns.
CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY,
    gift_id INTEGER NOT NULL REFERENCES gifts (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    community_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    points INTEGER NOT NULL,
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('redeemed', 'cancelled')),
    ledger_id INTEGER REFERENCES points_ledger (id),
    cancel_ledger_id INTEGER REFERENCES points_ledger (id),
    created_at INTEGER NOT NULL,
    cancelled_at INTEGER,
    cancelled_by INTEGER REFERENCES users (id),
    cancel_reason TEXT NOT NULL
);
CREATE INDEX redemptions_volunteer ON redemptions (volunteer_id, created_at);
CREATE INDEX redemptions_gift ON redemptions (gift_id, status);
