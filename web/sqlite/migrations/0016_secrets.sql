-- Named random secrets, made at first use: the quiz dealer's key.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
