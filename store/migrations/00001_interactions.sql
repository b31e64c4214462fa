-- +goose Up
-- Timestamps are Unix nanoseconds in UTC, so that ordering and range filters
-- compare instants exactly, whatever offset or fraction the input was written in.
CREATE TABLE interactions (
    id             INTEGER PRIMARY KEY,
    account_number TEXT    NOT NULL,
    ts             INTEGER NOT NULL,
    reason         TEXT    NOT NULL,
    solution       TEXT,
    summary        TEXT,
    channel        TEXT    NOT NULL,
    agent_id       TEXT,
    addressed_by   TEXT    NOT NULL,
    external_id    TEXT
) STRICT;

-- Every page is a seek on this index in either direction. The rowid (id) is
-- implicitly its last column, which makes (account_number, ts, id) the order.
CREATE INDEX interactions_account_ts ON interactions (account_number, ts);

CREATE UNIQUE INDEX interactions_account_external_id
    ON interactions (account_number, external_id)
    WHERE external_id IS NOT NULL;

-- +goose Down
DROP TABLE interactions;
