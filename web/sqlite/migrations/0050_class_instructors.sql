-- Instructors a class's owner invited: they see the class, its members and
-- their work as the owner does, but do not invite others.
CREATE TABLE class_instructors (
    class_id       INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    instructor_id  INTEGER NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    added_at       TEXT    NOT NULL,  -- RFC 3339, UTC
    PRIMARY KEY (class_id, instructor_id)
);
CREATE INDEX class_instructors_instructor ON class_instructors (instructor_id);

-- A class's one invite link for instructors: only the SHA-256 of its token
-- is kept. Making a new link replaces the old one.
CREATE TABLE class_invites (
    class_id    INTEGER PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    expires_at  TEXT    NOT NULL   -- RFC 3339, UTC
);

-- The lesson an answer was given in ('' when not in a lesson): a quiz may
-- end more than one lesson.
ALTER TABLE answers ADD COLUMN lesson TEXT NOT NULL DEFAULT '';
