-- Failure counters of the abuse limits (services/runtime/throttle.py): wrong tracking secrets per
-- code and per address, unknown API keys per address. Shared by every replica of the service, so
-- a guesser spread over N replicas still gets one allowance, not N.
CREATE TABLE IF NOT EXISTS throttle_failures (
    key        text PRIMARY KEY,
    count      integer NOT NULL,
    expires_at timestamptz NOT NULL
);
