-- The photo on a grid's notice board (the grid worker's), one per grid; a new upload replaces it.
CREATE TABLE board_photos (
    node_id BIGINT PRIMARY KEY REFERENCES nodes (id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
