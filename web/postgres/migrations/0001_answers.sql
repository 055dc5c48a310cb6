-- Quiz answers: one row per answer a learner submitted. client_id is chosen by
-- the client, so a resubmission after a lost response is stored once.
CREATE TABLE answers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   TEXT        NOT NULL UNIQUE,
    learner     TEXT        NOT NULL,
    quiz        TEXT        NOT NULL,
    question    TEXT        NOT NULL,
    answer      TEXT        NOT NULL,  -- the submitted answer as JSON
    correct     BOOLEAN     NOT NULL,
    source      TEXT        NOT NULL,  -- lesson, playground or embed
    origin      TEXT        NOT NULL DEFAULT '',  -- the embedding page's origin, if any
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX answers_quiz_question ON answers (quiz, question);
