-- Keyed hashes of the worker's name parts, from `submitted` (intake keeps the name itself):
-- feedback masks the name in the responses, notes, replies and ratings it publishes.
ALTER TABLE feedback.complaints ADD COLUMN IF NOT EXISTS name_keys text[] NOT NULL DEFAULT '{}';
