-- The xAPI outbox: statements waiting for the learning record store.
-- A message is claimable when it is not refused and its due time has
-- come; claiming it pushes due to the end of the claimer's lease, and a
-- failed send pushes it to the next try (backoff). Times are Unix
-- milliseconds, so they compare as numbers.
CREATE TABLE xapi_outbox (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    body       BLOB    NOT NULL,
    added_at   INTEGER NOT NULL,
    due        INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    refused    INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX xapi_outbox_due ON xapi_outbox (refused, due, seq);
