-- The worker's emergency button, and a union's queue of complaints filtered without reading
-- the timeline of each one.

ALTER TABLE complaints ADD COLUMN emergency boolean NOT NULL DEFAULT false;

-- How the complaint is judged now: triage's reading, as an officer corrected it. Kept on the
-- complaint so the queue filters and sorts on columns; `refresh_triage` derives them from the
-- timeline, which stays the record of what happened.
ALTER TABLE complaints
    ADD COLUMN category     text,
    ADD COLUMN priority     text,
    ADD COLUMN tags         text[] NOT NULL DEFAULT '{}',
    ADD COLUMN needs_review boolean,
    ADD COLUMN confidence   double precision;

-- Recompute the judgement of complaint $1 from its `triaged` and `recategorized` entries.
-- Derived from the whole timeline rather than from the event in hand, because the two topics
-- arrive in either order and triage may run again (a republished complaint, a new model): an
-- officer's correction outranks any triage, whenever it came, and the latest correction that
-- gave tags or a priority keeps them (one that left them out changed only the category). An
-- officer has looked at a corrected complaint, so it needs no more review; the confidence is
-- always the model's.
-- The row lock comes first, in a statement of its own: a concurrent consumer adding the other
-- kind of entry waits here, and the UPDATE that follows (a fresh snapshot, the function being
-- volatile) sees that entry once it is committed.
CREATE OR REPLACE FUNCTION refresh_triage(uuid) RETURNS void LANGUAGE sql AS $$
SELECT 1 FROM complaints WHERE complaint_id = $1 FOR UPDATE;
WITH triage AS (
    SELECT body FROM timeline WHERE complaint_id = $1 AND kind = 'triaged'
     ORDER BY at DESC, event_id DESC LIMIT 1
), corrections AS (
    SELECT body, at, event_id FROM timeline WHERE complaint_id = $1 AND kind = 'recategorized'
)
UPDATE complaints SET
    category = coalesce(
        (SELECT body->>'category' FROM corrections ORDER BY at DESC, event_id DESC LIMIT 1),
        (SELECT body->>'category' FROM triage)),
    priority = coalesce(
        (SELECT body->>'priority' FROM corrections WHERE body->>'priority' IS NOT NULL
          ORDER BY at DESC, event_id DESC LIMIT 1),
        (SELECT body->>'priority' FROM triage)),
    tags = coalesce(
        (SELECT ARRAY(SELECT jsonb_array_elements_text(body->'tags')) FROM corrections
          WHERE jsonb_typeof(body->'tags') = 'array' ORDER BY at DESC, event_id DESC LIMIT 1),
        (SELECT ARRAY(SELECT jsonb_array_elements_text(body->'tags')) FROM triage),
        '{}'),
    needs_review = CASE WHEN EXISTS (SELECT 1 FROM corrections) THEN false
                        ELSE (SELECT (body->>'needs_review')::boolean FROM triage) END,
    confidence = (SELECT (body->>'confidence')::double precision FROM triage)
 WHERE complaint_id = $1;
$$;

-- Complaints triaged or corrected before this migration.
SELECT refresh_triage(complaint_id)
  FROM (SELECT DISTINCT complaint_id FROM timeline
         WHERE kind IN ('triaged', 'recategorized')) AS judged;
