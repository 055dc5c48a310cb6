-- LTI 1.3: the platforms (LMSs) that launch layerlab, the tool's signing
-- key, OIDC login states and used nonces, which learner each LMS user is,
-- the line items launches carried, and the scores still to post to them.
CREATE TABLE lti_platforms (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer       TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    auth_url     TEXT NOT NULL,
    token_url    TEXT NOT NULL,
    jwks_url     TEXT NOT NULL,
    deployments  TEXT NOT NULL DEFAULT '[]',  -- JSON array of deployment ids
    added_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (issuer, client_id)
);

CREATE TABLE lti_tool_key (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    pem  BYTEA NOT NULL
);

CREATE TABLE lti_login_states (
    state        TEXT PRIMARY KEY,
    platform_id  BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    nonce        TEXT NOT NULL,
    target       TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX lti_login_states_expires ON lti_login_states (expires_at);

CREATE TABLE lti_nonces (
    platform_id  BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    nonce        TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform_id, nonce)
);
CREATE INDEX lti_nonces_expires ON lti_nonces (expires_at);

CREATE TABLE lti_users (
    platform_id  BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    sub          TEXT NOT NULL,
    learner      TEXT NOT NULL,
    PRIMARY KEY (platform_id, sub)
);

CREATE TABLE lti_launches (
    platform_id  BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    learner      TEXT NOT NULL,
    resource     TEXT NOT NULL,
    line_item    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    launched_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, resource, platform_id)
);

CREATE TABLE lti_scores (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform_id  BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    line_item    TEXT NOT NULL,
    body         BYTEA NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try     TIMESTAMPTZ NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    failed       BOOLEAN NOT NULL DEFAULT false,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX lti_scores_due ON lti_scores (failed, next_try);
