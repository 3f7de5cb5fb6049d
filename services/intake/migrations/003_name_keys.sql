-- Keyed hashes of the worker's name parts, published with `submitted` (never the name) so that
-- feedback can mask the name in what officers and the worker write later; kept so that a
-- re-published `submitted` carries them too.
ALTER TABLE intake.complaints ADD COLUMN IF NOT EXISTS name_keys text[] NOT NULL DEFAULT '{}';
