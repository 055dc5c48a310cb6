-- Learner sessions: a session is its seed plus its log, so replaying the log
-- rebuilds the simulator exactly. One session per learner and mode key
-- ("play", "lesson:<id>"). The seed is a uint64 stored in a BIGINT's bits.
CREATE TABLE sessions (
    learner     TEXT        NOT NULL,
    mode        TEXT        NOT NULL,
    seed        BIGINT      NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, mode)
);

CREATE TABLE session_log (
    learner  TEXT    NOT NULL,
    mode     TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    kind     TEXT    NOT NULL,  -- cmd, file, rmfile
    line     TEXT    NOT NULL DEFAULT '',
    path     TEXT    NOT NULL DEFAULT '',
    data     BYTEA,
    PRIMARY KEY (learner, mode, seq),
    FOREIGN KEY (learner, mode) REFERENCES sessions (learner, mode) ON DELETE CASCADE
);

-- Shared snapshots: a share link names one.
CREATE TABLE shares (
    id          TEXT PRIMARY KEY,
    seed        BIGINT      NOT NULL,
    log         TEXT        NOT NULL,  -- JSON array of log entries
    created_at  TIMESTAMPTZ NOT NULL
);
