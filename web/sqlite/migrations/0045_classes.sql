-- Classes: an instructor's group of learners, joined by a link that
-- carries the class's code. A member is an anonymous learner id, with the
-- display name they chose, if any.
CREATE TABLE classes (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    instructor_id  INTEGER NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    created_at     TEXT    NOT NULL  -- RFC 3339, UTC
);
CREATE INDEX classes_instructor ON classes (instructor_id);

CREATE TABLE class_members (
    class_id      INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    learner       TEXT    NOT NULL,
    display_name  TEXT    NOT NULL DEFAULT '',
    joined_at     TEXT    NOT NULL,  -- RFC 3339, UTC
    PRIMARY KEY (class_id, learner)
);
CREATE INDEX class_members_learner ON class_members (learner);
