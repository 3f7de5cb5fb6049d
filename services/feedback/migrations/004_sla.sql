-- SLA clocks on business time, pauses while the union waits on the worker, reopening, breaches.

-- A union's calendar and targets; a union without a row gets the defaults of sla.py.
-- Targets: {"first_response": {"P2": "3d"}, "resolution": {"P3": "40h"}}, only where they
-- differ from the defaults; "d" is a day of the clock's calendar, "h" an hour of it.
CREATE TABLE sla_settings (
    union_id          text PRIMARY KEY REFERENCES unions (union_id),
    timezone          text NOT NULL,
    workdays          int[] NOT NULL,
    opens             time NOT NULL,
    closes            time NOT NULL,
    national_holidays boolean NOT NULL,
    extra_holidays    date[] NOT NULL,
    around_the_clock  text[] NOT NULL,
    targets           jsonb NOT NULL,
    updated_by        text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The resolution clock restarts when the worker reopens; `reopen_count` is its round.
ALTER TABLE complaints
    ADD COLUMN reopened_at timestamptz,
    ADD COLUMN reopen_count int NOT NULL DEFAULT 0;

-- While the union waits on the worker (an officer's response asked something), the clocks
-- stop; the worker's reply (or the resolution) ends the pause.
CREATE TABLE clock_pauses (
    pause_id     bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (complaint_id),
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX clock_pauses_complaint ON clock_pauses (complaint_id);
-- At most one open pause per complaint.
CREATE UNIQUE INDEX clock_pauses_open ON clock_pauses (complaint_id) WHERE ended_at IS NULL;

CREATE TABLE worker_replies (
    reply_id     uuid PRIMARY KEY,
    complaint_id uuid NOT NULL REFERENCES complaints (complaint_id),
    message      text NOT NULL,
    replied_at   timestamptz NOT NULL
);

-- One row per published breach: the primary key makes "exactly once per complaint, clock and
-- round" hold whichever replica, job run or handler notices it first.
CREATE TABLE sla_breaches (
    complaint_id uuid NOT NULL,
    clock        text NOT NULL CHECK (clock IN ('first_response', 'resolution')),
    round        int NOT NULL,
    union_id     text NOT NULL,
    priority     text NOT NULL,
    deadline     timestamptz NOT NULL,
    detected_at  timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, clock, round)
);

-- The breach job looks only at clocks still running.
CREATE INDEX complaints_open_first_response ON complaints (submitted_at)
    WHERE first_response_at IS NULL AND priority IS NOT NULL;
CREATE INDEX complaints_open_resolution ON complaints (submitted_at)
    WHERE resolved_at IS NULL AND outcome IS NULL AND priority IS NOT NULL;
