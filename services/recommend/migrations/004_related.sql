-- Complaints of one union about one workplace and one problem, linked as they arrive.
CREATE INDEX IF NOT EXISTS complaints_workplace
    ON recommend.complaints (union_id, lower(workplace), submitted_at)
    WHERE workplace IS NOT NULL;

CREATE TABLE IF NOT EXISTS recommend.related_complaints (
    complaint_id uuid NOT NULL,
    related_id   uuid NOT NULL,
    similarity   real NOT NULL,
    PRIMARY KEY (complaint_id, related_id)
);
