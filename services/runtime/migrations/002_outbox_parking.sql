-- An outbox row the broker will never take (too large, say) is parked: set aside with the
-- reason, so the rows behind it are published, and counted so an operator is alerted.
ALTER TABLE outbox
    ADD COLUMN IF NOT EXISTS parked_at timestamptz,
    ADD COLUMN IF NOT EXISTS park_reason text;
DROP INDEX IF EXISTS outbox_unpublished;
CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (id)
    WHERE published_at IS NULL AND parked_at IS NULL;
