-- The server's own secret: learner cookies are signed with it (every node
-- sharing this database signs with the same key) and the instructor export
-- names learners by a keyed hash of their id. One row, made on first open.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    key         BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- A session opened from a share link points at the shared log instead of
-- holding a copy; its first write copies the log in and clears the
-- pointer. share_id is set only while the session has no log rows of its
-- own.
ALTER TABLE sessions ADD COLUMN share_id TEXT REFERENCES shares (id);

-- /healthz writes this one row to prove the database still takes writes.
CREATE TABLE health_probe (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  TIMESTAMPTZ NOT NULL
);
