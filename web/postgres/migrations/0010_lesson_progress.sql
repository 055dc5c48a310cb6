-- Lesson progress: one row per step a learner completed. A lesson is
-- complete when every one of its steps has a row.
CREATE TABLE lesson_progress (
    learner      TEXT        NOT NULL,
    lesson       TEXT        NOT NULL,
    step         INTEGER     NOT NULL,  -- 0-based, in the lesson file's order
    completed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, lesson, step)
);
