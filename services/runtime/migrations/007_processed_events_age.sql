-- The age of processed-event rows, so the hourly job can drop those past the retention
-- (ServiceSettings.processed_events_retention_hours) without reading the whole table. A BRIN
-- index suits a column that grows with insertion order, and costs the consumers' hot insert
-- next to nothing, where a B-tree would add a second index write to every event handled.
CREATE INDEX IF NOT EXISTS processed_events_age ON processed_events USING brin (processed_at);
