-- Basic information (人、房、组织、物): houses, households, people with their key-group tags,
-- organisations and objects; the append-only change history of these records, the append-only
-- hash-chained audit log (reveals, exports, imports, key rotation), and per-grid counts kept by
-- triggers so grid and village pages count without scanning millions of people.
--
-- Secrets (ID numbers, phones, tags) are stored sealed (`*_sealed`, see seal.rs; the associated
-- data names table, column and the row's id), with a blind index (`*_index`) for exact look-ups
-- and a mask (`*_masked`) for lists. Every row carries its grid's materialised `path` for scoping.
CREATE TABLE houses (
    id INTEGER PRIMARY KEY,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    building TEXT NOT NULL,
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    use_kind TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    owner_phone_sealed TEXT,
    owner_phone_index TEXT,
    owner_phone_masked TEXT,
    area_m2 REAL,
    lon REAL,
    lat REAL,
    tenant_name TEXT,
    tenant_phone_sealed TEXT,
    tenant_phone_masked TEXT,
    rent_start TEXT,
    rent_end TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    removed_at INTEGER,
    UNIQUE (grid_id, building, unit, room)
);
CREATE INDEX houses_path ON houses (path, id);
CREATE INDEX houses_owner_phone ON houses (owner_phone_index);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    household_no TEXT NOT NULL,
    house_id INTEGER REFERENCES houses (id),
    created_at INTEGER NOT NULL,
    UNIQUE (grid_id, household_no)
);
CREATE INDEX households_path ON households (path, id);
CREATE INDEX households_house ON households (house_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    name_initials TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_sealed TEXT NOT NULL,
    id_index TEXT NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    phone_sealed TEXT,
    phone_index TEXT,
    phone_masked TEXT,
    ethnic TEXT NOT NULL,
    registered_address TEXT NOT NULL,
    residence TEXT NOT NULL,
    arrived_on TEXT,
    left_on TEXT,
    party_member BOOLEAN NOT NULL,
    education TEXT,
    occupation TEXT,
    house_id INTEGER REFERENCES houses (id),
    household_id INTEGER REFERENCES households (id),
    relation TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX people_path ON people (path, id);
CREATE INDEX people_name ON people (name, id);
CREATE INDEX people_initials ON people (name_initials, id);
CREATE INDEX people_phone ON people (phone_index);
CREATE INDEX people_household ON people (household_id);
CREATE INDEX people_house ON people (house_id);

CREATE TABLE person_tags (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    path TEXT NOT NULL,
    tag_sealed TEXT NOT NULL,
    tag_index TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX person_tags_person ON person_tags (person_id);
CREATE INDEX person_tags_tag ON person_tags (tag_index, person_id);

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    contact_name TEXT NOT NULL,
    contact_phone_sealed TEXT,
    contact_phone_index TEXT,
    contact_phone_masked TEXT,
    address TEXT NOT NULL,
    safety_grade TEXT,
    env_grade TEXT,
    key_supervised BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX orgs_path ON orgs (path, id);
CREATE INDEX orgs_name ON orgs (name, id);
CREATE INDEX orgs_contact_phone ON orgs (contact_phone_index);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    condition TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX objects_path ON objects (path, id);

-- What a record looked like before each change; sealed values stay sealed in `before_json`.
CREATE TABLE record_history (
    id INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_name TEXT NOT NULL,
    at INTEGER NOT NULL,
    before_json TEXT
);
CREATE INDEX record_history_row ON record_history (table_name, row_id, id);

CREATE TRIGGER record_history_no_update BEFORE UPDATE ON record_history
BEGIN
    SELECT RAISE(ABORT, 'record_history is append-only');
END;
CREATE TRIGGER record_history_no_delete BEFORE DELETE ON record_history
BEGIN
    SELECT RAISE(ABORT, 'record_history is append-only');
END;

-- One chain over all rows: `hash` = SHA-256 of `prev_hash` and the row (audit.rs); the unique
-- `prev_hash` keeps the chain from forking.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_table TEXT NOT NULL,
    subject_id INTEGER,
    column_name TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_subject ON audit_log (subject_table, subject_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Running counts per grid path: `people`, `residence:<code>`, `tag:<tag blind index>` (open
-- tags), `households`, `houses`, `orgs`, `objects`. Removed records are not counted.
CREATE TABLE basic_counts (
    path TEXT NOT NULL,
    metric TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (path, metric)
) WITHOUT ROWID;

CREATE TRIGGER people_counts_insert AFTER INSERT ON people WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'people', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'residence:' || NEW.residence, 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER people_counts_update_old AFTER UPDATE OF path, residence, removed_at ON people
    WHEN OLD.removed_at IS NULL
BEGIN
    UPDATE basic_counts SET n = n - 1
    WHERE path = OLD.path AND metric IN ('people', 'residence:' || OLD.residence);
END;
CREATE TRIGGER people_counts_update_new AFTER UPDATE OF path, residence, removed_at ON people
    WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'people', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'residence:' || NEW.residence, 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER person_tags_counts_insert AFTER INSERT ON person_tags WHEN NEW.until IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'tag:' || NEW.tag_index, 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER person_tags_counts_update_old AFTER UPDATE OF path, tag_index, until ON person_tags
    WHEN OLD.until IS NULL
BEGIN
    UPDATE basic_counts SET n = n - 1 WHERE path = OLD.path AND metric = 'tag:' || OLD.tag_index;
END;
CREATE TRIGGER person_tags_counts_update_new AFTER UPDATE OF path, tag_index, until ON person_tags
    WHEN NEW.until IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'tag:' || NEW.tag_index, 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER households_counts_insert AFTER INSERT ON households
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'households', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER households_counts_update AFTER UPDATE OF path ON households
BEGIN
    UPDATE basic_counts SET n = n - 1 WHERE path = OLD.path AND metric = 'households';
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'households', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER houses_counts_insert AFTER INSERT ON houses WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'houses', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER houses_counts_update_old AFTER UPDATE OF path, removed_at ON houses
    WHEN OLD.removed_at IS NULL
BEGIN
    UPDATE basic_counts SET n = n - 1 WHERE path = OLD.path AND metric = 'houses';
END;
CREATE TRIGGER houses_counts_update_new AFTER UPDATE OF path, removed_at ON houses
    WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'houses', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER orgs_counts_insert AFTER INSERT ON orgs WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'orgs', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER orgs_counts_update_old AFTER UPDATE OF path, removed_at ON orgs
    WHEN OLD.removed_at IS NULL
BEGIN
    UPDATE basic_counts SET n = n - 1 WHERE path = OLD.path AND metric = 'orgs';
END;
CREATE TRIGGER orgs_counts_update_new AFTER UPDATE OF path, removed_at ON orgs
    WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'orgs', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER objects_counts_insert AFTER INSERT ON objects WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'objects', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER objects_counts_update_old AFTER UPDATE OF path, removed_at ON objects
    WHEN OLD.removed_at IS NULL
BEGIN
    UPDATE basic_counts SET n = n - 1 WHERE path = OLD.path AND metric = 'objects';
END;
CREATE TRIGGER objects_counts_update_new AFTER UPDATE OF path, removed_at ON objects
    WHEN NEW.removed_at IS NULL
BEGIN
    INSERT INTO basic_counts (path, metric, n) VALUES (NEW.path, 'objects', 1)
    ON CONFLICT (path, metric) DO UPDATE SET n = n + 1;
END;
