-- Feedback keeps what it needs to answer officers and workers and to time the unions' work.

-- A copy of intake's union registry, fed by aduan.union.registered.v1.
CREATE TABLE unions (
    union_id     text PRIMARY KEY,
    name         text NOT NULL,
    api_key_hash text NOT NULL UNIQUE,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE complaints (
    complaint_id      uuid PRIMARY KEY,
    union_id          text NOT NULL,
    tracking_code     text NOT NULL UNIQUE,
    sector            text NOT NULL,
    text              text NOT NULL,
    submitted_at      timestamptz NOT NULL,
    category          text,
    priority          text,
    triaged_at        timestamptz,
    recommended_at    timestamptz,
    first_response_at timestamptz,
    resolved_at       timestamptz,
    outcome           text
);

CREATE TABLE responses (
    response_id  uuid PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (complaint_id),
    officer      text NOT NULL,
    message      text NOT NULL,
    responded_at timestamptz NOT NULL
);

-- One rating per complaint; a revision replaces it and bumps `revision`.
CREATE TABLE ratings (
    complaint_id    uuid PRIMARY KEY REFERENCES complaints (complaint_id),
    score           int NOT NULL CHECK (score BETWEEN 1 AND 5),
    fixed           text NOT NULL,
    reasons         text[] NOT NULL,
    comment         text,
    revision        int NOT NULL,
    first_rated_at  timestamptz NOT NULL,
    rated_at        timestamptz NOT NULL
);
