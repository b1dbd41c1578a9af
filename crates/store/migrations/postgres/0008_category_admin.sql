-- Administrators keep the category tree: a retired category stays for the events that used it,
-- and the time of the last change tells every server when to read the tree again.
ALTER TABLE categories ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE categories ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
