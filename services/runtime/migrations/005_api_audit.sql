-- The API's audit log (services/runtime/audit.py): what a union's key did or read, when, from
-- where, and what the machine suggested to the officer reading. Written in the transaction of
-- the action it records.
CREATE TABLE IF NOT EXISTS api_audit (
    entry_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    union_id     text NOT NULL,
    action       text NOT NULL,
    complaint_id uuid,
    actor        text,
    client       text,
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS api_audit_by_union ON api_audit (union_id, entry_id DESC);
