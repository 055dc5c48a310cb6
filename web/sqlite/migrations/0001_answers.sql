-- Quiz answers: one row per answer a learner submitted. client_id is chosen by
-- the client, so a resubmission after a lost response is stored once.
CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    client_id   TEXT    NOT NULL UNIQUE,
    learner     TEXT    NOT NULL,
    quiz        TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,  -- the submitted answer as JSON
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    source      TEXT    NOT NULL,  -- lesson, playground or embed
    origin      TEXT    NOT NULL DEFAULT '',  -- the embedding page's origin, if any
    created_at  TEXT    NOT NULL   -- RFC 3339, UTC
);
CREATE INDEX answers_quiz_question ON answers (quiz, question);
