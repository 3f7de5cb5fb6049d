-- The union's rotated-out API key and how long it stays valid, from aduan.union.registered.v1.
ALTER TABLE feedback.unions ADD COLUMN IF NOT EXISTS previous_api_key_hash text;
ALTER TABLE feedback.unions ADD COLUMN IF NOT EXISTS previous_key_valid_until timestamptz;
CREATE INDEX IF NOT EXISTS unions_previous_api_key_hash ON feedback.unions (previous_api_key_hash);
