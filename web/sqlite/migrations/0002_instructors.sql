-- Instructor accounts and their login sessions. Passwords are stored as
-- encoded argon2id hashes (parameters and salt inside the string); session
-- tokens only as their sha256, so a copy of the database logs nobody in.
CREATE TABLE instructors (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE instructor_sessions (
    token_hash     TEXT PRIMARY KEY,  -- hex sha256 of the cookie's token
    instructor_id  INTEGER NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    expires_at     TEXT NOT NULL      -- RFC 3339, UTC
);
CREATE INDEX instructor_sessions_expiry ON instructor_sessions (expires_at);
CREATE INDEX answers_source_origin ON answers (source, origin);
