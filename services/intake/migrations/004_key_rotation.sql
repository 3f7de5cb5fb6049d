-- A rotated-out API key stays valid until `previous_key_valid_until`, so a union's frontends can
-- switch to the new key without a moment in which neither works.
ALTER TABLE intake.unions ADD COLUMN IF NOT EXISTS previous_api_key_hash text;
ALTER TABLE intake.unions ADD COLUMN IF NOT EXISTS previous_key_valid_until timestamptz;
CREATE INDEX IF NOT EXISTS unions_previous_api_key_hash ON intake.unions (previous_api_key_hash);
