-- A learner's own answers are read back on every quiz page, to remember them
-- across reloads.
CREATE INDEX answers_learner_quiz ON answers (learner, quiz);
