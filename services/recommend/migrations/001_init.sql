-- Case base of resolved grievances for similar-case search (pgvector, HNSW, cosine).
-- Complaint-handling tables (processed events, recommendations) come in 002.

CREATE EXTENSION IF NOT EXISTS vector;

-- Unions known to the case base, and whether they let other unions learn from their cases
-- (anonymised). Opt-in: nothing is shared until a union says so.
CREATE TABLE IF NOT EXISTS recommend.unions (
    union_id    text PRIMARY KEY,
    share_cases boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS recommend.cases (
    case_id           text PRIMARY KEY,
    union_id          text NOT NULL REFERENCES recommend.unions (union_id),
    sector            text NOT NULL,
    text              text NOT NULL,
    category          text NOT NULL,
    tags              text[] NOT NULL DEFAULT '{}',
    actions_taken     text[] NOT NULL,
    outcome           text NOT NULL
                      CHECK (outcome IN ('resolved', 'partially_resolved', 'not_resolved')),
    resolution_note   text NOT NULL DEFAULT '',
    days_to_resolve   integer CHECK (days_to_resolve >= 0),
    workplace         text,
    resolved_at       timestamptz,
    synthetic         boolean NOT NULL DEFAULT false,
    source            text NOT NULL CHECK (source IN ('import', 'resolved')),
    embedding         vector(384) NOT NULL,
    embedding_version text NOT NULL,
    -- sha256 of the case as imported: a re-import of an unchanged case is a no-op.
    content_hash      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS cases_embedding_hnsw
    ON recommend.cases USING hnsw (embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS cases_union_id ON recommend.cases (union_id);
