-- The complaints intake accepted, from `complaint.submitted`: a triaged event is answered only
-- for one of these, and only for its own union. Without it a stray or forged triaged event
-- (replayed onto the topic, or naming a complaint that never existed) produced an answer and a
-- phantom row that later turned up as a related complaint of real ones.
CREATE TABLE IF NOT EXISTS recommend.submitted (
    complaint_id uuid PRIMARY KEY,
    union_id     text NOT NULL
);

-- Complaints answered before this table existed were submitted too.
INSERT INTO recommend.submitted (complaint_id, union_id)
SELECT complaint_id, union_id FROM recommend.complaints
ON CONFLICT (complaint_id) DO NOTHING;
