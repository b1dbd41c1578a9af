-- The admin tree, grids and their versions, accounts, sessions and tokens.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE codes_issued (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    issued_at INTEGER NOT NULL
);

CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE REFERENCES codes_issued (code),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES nodes (id),
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    grid_kind TEXT,
    boundary TEXT,
    area_m2 REAL,
    min_lon REAL,
    min_lat REAL,
    max_lon REAL,
    max_lat REAL,
    phone TEXT,
    households INTEGER,
    population INTEGER,
    retired_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX nodes_parent ON nodes (parent_id);
CREATE INDEX nodes_kind_path ON nodes (kind, path);

CREATE TABLE grid_versions (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    before_geojson TEXT,
    after_geojson TEXT,
    note TEXT NOT NULL
);
CREATE INDEX grid_versions_node ON grid_versions (node_id, id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    phone TEXT,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_node ON users (node_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
