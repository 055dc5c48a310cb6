-- The xAPI outbox: statements waiting for the learning record store.
-- A message is claimable when it is not refused and its due time has
-- come; claiming it (FOR UPDATE SKIP LOCKED) pushes due to the end of the
-- claimer's lease, and a failed send pushes it to the next try (backoff).
CREATE TABLE xapi_outbox (
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT        NOT NULL UNIQUE,
    body       BYTEA       NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    due        TIMESTAMPTZ NOT NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0,
    refused    BOOLEAN     NOT NULL DEFAULT false,
    last_error TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX xapi_outbox_due ON xapi_outbox (refused, due, seq);
