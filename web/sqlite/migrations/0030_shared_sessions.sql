-- A session opened from a share link points at the shared log instead of
-- holding a copy; its first write copies the log in and clears the
-- pointer. share_id is set only while the session has no log rows of its
-- own.
ALTER TABLE sessions ADD COLUMN share_id TEXT REFERENCES shares (id);

-- /healthz writes this one row to prove the database still takes writes.
CREATE TABLE health_probe (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  TEXT NOT NULL
);
