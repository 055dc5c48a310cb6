-- Instructor accounts and their login sessions. Passwords are stored as
-- encoded argon2id hashes (parameters and salt inside the string); session
-- tokens only as their sha256, so a copy of the database logs nobody in.
-- Emails are unique whatever their case, as in the SQLite schema's NOCASE.
CREATE TABLE instructors (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT        NOT NULL,
    password_hash  TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX instructors_email ON instructors (lower(email));

CREATE TABLE instructor_sessions (
    token_hash     TEXT PRIMARY KEY,  -- hex sha256 of the cookie's token
    instructor_id  BIGINT      NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    expires_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX instructor_sessions_expiry ON instructor_sessions (expires_at);
CREATE INDEX answers_source_origin ON answers (source, origin);
