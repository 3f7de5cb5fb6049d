-- The web frontend's own records: officer accounts, their sessions, the audit log, evidence.

CREATE TABLE officers (
    officer_id    uuid PRIMARY KEY,
    union_id      text NOT NULL,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'officer', 'federation_viewer')),
    -- Set for federation viewers: the federation whose figures they read.
    federation    text,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of the session token is kept: a copy of this table opens no session.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    officer_id  uuid NOT NULL REFERENCES officers (officer_id),
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_by_officer ON sessions (officer_id);

CREATE TABLE login_failures (
    failure_id bigserial PRIMARY KEY,
    username   text NOT NULL,
    address    text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_by_address ON login_failures (address, failed_at);

CREATE TABLE audit_log (
    entry_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    union_id     text,
    officer_id   uuid,
    username     text,
    action       text NOT NULL,
    complaint_id uuid,
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_union ON audit_log (union_id, at DESC);

-- A worker's photos and documents, metadata stripped, readable by the owning union only.
CREATE TABLE evidence (
    evidence_id  uuid PRIMARY KEY,
    union_id     text NOT NULL,
    complaint_id uuid NOT NULL,
    filename     text NOT NULL,
    media_type   text NOT NULL,
    size         int NOT NULL,
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_by_complaint ON evidence (complaint_id);
