-- Intake is the system of record for unions, complaints and the contact data behind them.

CREATE TABLE unions (
    union_id      text PRIMARY KEY,
    name          text NOT NULL,
    federation    text,
    share_cases   boolean NOT NULL DEFAULT false,
    api_key_hash  text NOT NULL UNIQUE,
    registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE complaints (
    complaint_id    uuid PRIMARY KEY,
    union_id        text NOT NULL REFERENCES unions (union_id),
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    tracking_code   text NOT NULL UNIQUE,
    channel         text NOT NULL,
    sector          text NOT NULL,
    kind            text NOT NULL,
    original_text   text NOT NULL,
    masked_text     text NOT NULL,
    language        text NOT NULL,
    member          boolean,
    anonymous       boolean NOT NULL,
    workplace       text,
    occurred_on     date,
    submitted_at    timestamptz NOT NULL,
    submitted_event_id text NOT NULL,
    status          text NOT NULL DEFAULT 'submitted',
    status_rank     int NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    republished     int NOT NULL DEFAULT 0,
    UNIQUE (union_id, idempotency_key)
);
CREATE INDEX complaints_waiting ON complaints (status, submitted_at) WHERE status_rank < 2;

-- Contact data stays here, apart from the complaint, and is never put in an event.
CREATE TABLE contacts (
    complaint_id uuid PRIMARY KEY REFERENCES complaints (complaint_id),
    name         text,
    phone        text,
    email        text,
    whatsapp     text
);

-- What happened to each complaint, as told by the downstream events.
CREATE TABLE timeline (
    event_id     text PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (complaint_id),
    kind         text NOT NULL,
    at           timestamptz NOT NULL,
    body         jsonb NOT NULL
);
CREATE INDEX timeline_by_complaint ON timeline (complaint_id, at);
