"""Secrets handed to unions and workers, and how they are checked.

Union API keys are random and stored only as sha256 hashes: a random 256-bit key needs no slow
hash. A worker's tracking secret is an HMAC of the tracking code, so intake (which issues it) and
feedback (which checks it) agree without storing or sending it anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# No 0/O/1/I/L: workers read tracking codes off a phone screen and type them back.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_GROUPS = 3
TRACKING_GROUP_LEN = 4


def new_api_key(union_id: str) -> str:
    return f"adu_{union_id}_{secrets.token_urlsafe(32)}"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def new_tracking_code() -> str:
    groups = (
        "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_GROUP_LEN))
        for _ in range(TRACKING_GROUPS)
    )
    return "ADU-" + "-".join(groups)


def normalise_tracking_code(code: str) -> str:
    return code.strip().upper()


def tracking_secret(tracking_key: str, tracking_code: str) -> str:
    digest = hmac.new(
        tracking_key.encode(), normalise_tracking_code(tracking_code).encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:10]).decode().rstrip("=")


def tracking_secret_matches(tracking_key: str, tracking_code: str, secret: str) -> bool:
    expected = tracking_secret(tracking_key, tracking_code)
    # Compared as UTF-8 bytes: compare_digest refuses str with non-ASCII characters (a TypeError,
    # so a 500), and whatever a client types must only ever be a wrong secret.
    return hmac.compare_digest(expected.encode(), secret.strip().upper().encode())
