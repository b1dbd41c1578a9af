-- The grid worker's workbench (SPEC §5): duty rules kept as versioned data, and the records of
-- staff work that the duties, the monthly ledger and the quarterly assessment are judged on.
-- Every record carries its grid's materialised `path` for scoping; times are Unix milliseconds,
-- days are 'YYYY-MM-DD' in China time. Records made offline keep their stated `at` and position;
-- `received_at` is when the server got them, and (`worker_id`, `client_key`) sends each once.

-- A rule set (JSON of `domain::workbench::duties::Duties`) kept at a county or township; the
-- set in force for a day is the newest of the deepest node above the grid with
-- `effective_from` <= that day. Versions are never edited, only superseded.
CREATE TABLE duty_rules (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    rules_json TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (node_id, version)
);
CREATE INDEX duty_rules_path ON duty_rules (path, effective_from);

-- Photos of visits, diary entries and sweeps. `sha256` finds a photo reused on another record.
CREATE TABLE work_photos (
    id INTEGER PRIMARY KEY,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('visit', 'diary', 'sweep')),
    record_id INTEGER NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX work_photos_record ON work_photos (record_kind, record_id);
CREATE INDEX work_photos_sha ON work_photos (sha256);

-- Visits (走访) with the five steps 走、议、办、回、评. `target_kind` names the register and
-- `target_id` its row; `duty` is the key group's visiting duty when a key person was visited
-- (the tag itself stays sealed in person_tags). `content_hash` tells a replayed client key
-- with other content (409) from a plain resend (200).
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    worker_name TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('household', 'person', 'house', 'org')),
    target_id INTEGER NOT NULL,
    household_id INTEGER REFERENCES households (id),
    duty TEXT,
    seen TEXT NOT NULL,
    discussed TEXT NOT NULL,
    done TEXT NOT NULL,
    reply TEXT NOT NULL,
    evaluation TEXT NOT NULL,
    lon REAL,
    lat REAL,
    at INTEGER NOT NULL,
    day TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    client_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    event_id INTEGER REFERENCES events (id),
    UNIQUE (worker_id, client_key)
);
CREATE INDEX visits_worker_day ON visits (worker_id, day);
CREATE INDEX visits_path_day ON visits (path, day);
CREATE INDEX visits_target ON visits (target_kind, target_id, day);
CREATE INDEX visits_household ON visits (household_id, day);

-- Time in the grid (巡查): a patrol from check-in to check-out, the positions sampled on the
-- way, and per worker and day the seconds spent inside the grid's polygon, computed by the
-- server from the points (never typed).
CREATE TABLE patrols (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    day TEXT NOT NULL,
    client_key TEXT NOT NULL,
    UNIQUE (worker_id, client_key)
);
CREATE INDEX patrols_worker_day ON patrols (worker_id, day);
CREATE INDEX patrols_path_day ON patrols (path, day);

CREATE TABLE patrol_points (
    id INTEGER PRIMARY KEY,
    patrol_id INTEGER NOT NULL REFERENCES patrols (id),
    worker_id INTEGER NOT NULL REFERENCES users (id),
    at INTEGER NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    inside BOOLEAN NOT NULL,
    received_at INTEGER NOT NULL,
    client_key TEXT NOT NULL,
    UNIQUE (worker_id, client_key)
);
CREATE INDEX patrol_points_patrol ON patrol_points (patrol_id, at);
CREATE INDEX patrol_points_worker ON patrol_points (worker_id, at);

CREATE TABLE patrol_days (
    worker_id INTEGER NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    seconds_inside INTEGER NOT NULL,
    PRIMARY KEY (worker_id, day)
);
CREATE INDEX patrol_days_path ON patrol_days (path, day);

-- The diary (民情日志) and the village grid leader's comments on it (批阅).
CREATE TABLE diary_entries (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    worker_name TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    day TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    lon REAL,
    lat REAL,
    at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    client_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    UNIQUE (worker_id, client_key)
);
CREATE INDEX diary_worker_day ON diary_entries (worker_id, day);
CREATE INDEX diary_path_day ON diary_entries (path, day);

CREATE TABLE diary_comments (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES diary_entries (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX diary_comments_entry ON diary_comments (entry_id, id);

-- The weekly sweep (排查): one per worker and week (`week` is the Monday); `items_json` holds
-- each checklist item as nothing found or findings, with the events the findings became.
CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    week TEXT NOT NULL,
    items_json TEXT NOT NULL,
    findings INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL,
    UNIQUE (worker_id, week)
);
CREATE INDEX sweeps_path_week ON sweeps (path, week);

-- Daily use (登录): the first request of each user each day. Missed days get a reminder; the
-- third in a month drafts a notice of criticism (通报批评) for the township to issue or waive.
CREATE TABLE login_days (
    user_id INTEGER NOT NULL REFERENCES users (id),
    day TEXT NOT NULL,
    first_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

CREATE TABLE login_reminders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    UNIQUE (user_id, day)
);
CREATE INDEX login_reminders_month ON login_reminders (user_id, month);

CREATE TABLE criticism_notices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    path TEXT NOT NULL,
    period TEXT NOT NULL,
    cause TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'waived')),
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, period, cause)
);
CREATE INDEX criticism_path ON criticism_notices (path, status, id);

-- Meetings and trainings that a township or village schedules, with per-person attendance.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'training')),
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    day TEXT NOT NULL,
    report_required BOOLEAN NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX meetings_path_day ON meetings (path, day);

CREATE TABLE meeting_invitees (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    attendance TEXT CHECK (attendance IN ('present', 'late', 'left_early', 'excused', 'absent')),
    report_handed BOOLEAN NOT NULL,
    marked_by INTEGER REFERENCES users (id),
    marked_at INTEGER,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_invitees_user ON meeting_invitees (user_id, meeting_id);

-- The monthly ledger (台帐): generated from the month's records, submitted by the worker and
-- signed off by the village grid leader. A signed ledger is never changed.
CREATE TABLE ledgers (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    worker_name TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    month TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    worker_note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'signed')),
    submitted_at INTEGER,
    signed_by INTEGER REFERENCES users (id),
    signed_by_name TEXT,
    signed_at INTEGER,
    sign_note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (worker_id, month)
);
CREATE INDEX ledgers_path_month ON ledgers (path, month);
CREATE TRIGGER ledgers_signed_fixed BEFORE UPDATE ON ledgers
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed ledger is fixed');
END;

-- Honesty flags (不准弄虚作假): a suspicious record is kept and flagged with its evidence; the
-- village grid leader confirms or clears it. `reason` is a `domain::workbench::honesty::Reason`.
CREATE TABLE work_flags (
    id INTEGER PRIMARY KEY,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('visit', 'diary', 'patrol_point', 'sweep')),
    record_id INTEGER NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'cleared')),
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_note TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (record_kind, record_id, reason)
);
CREATE INDEX work_flags_path ON work_flags (path, status, id);
CREATE INDEX work_flags_worker ON work_flags (worker_id, id);
