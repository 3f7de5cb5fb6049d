-- Officers' corrections, kept as labelled examples for the next training run.
CREATE TABLE labelled_examples (
    complaint_id uuid PRIMARY KEY,
    union_id     text NOT NULL,
    sector       text NOT NULL,
    text         text NOT NULL,
    category     text NOT NULL,
    secondary    text[] NOT NULL DEFAULT '{}',
    -- NULL: the officer corrected the category only; the tags are not labelled.
    tags         text[],
    officer      text NOT NULL,
    labelled_at  timestamptz NOT NULL
);
