-- The photo on a grid's notice board (the grid worker's), one per grid; a new upload replaces it.
CREATE TABLE board_photos (
    node_id INTEGER PRIMARY KEY REFERENCES nodes (id),
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
