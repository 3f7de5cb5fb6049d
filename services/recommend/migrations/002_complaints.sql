-- Complaints as triage described them, kept so that a later `resolved` event can turn one into
-- a case without embedding its text again, and so a replayed input can re-send its answer.
CREATE TABLE IF NOT EXISTS recommend.complaints (
    complaint_id       uuid PRIMARY KEY,
    union_id           text NOT NULL,
    sector             text NOT NULL,
    text               text NOT NULL,
    workplace          text,
    category           text NOT NULL,
    secondary          text[] NOT NULL DEFAULT '{}',
    tags               text[] NOT NULL DEFAULT '{}',
    priority           text NOT NULL,
    embedding          vector(384) NOT NULL,
    embedding_version  text NOT NULL,
    submitted_at       timestamptz NOT NULL,
    recommended_event_id text
);
