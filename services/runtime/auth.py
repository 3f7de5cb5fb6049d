"""Reading a union's API key from a request.

Keys are accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Which union a key
belongs to is each service's own lookup (by the key's sha256), so the kit knows no unions.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, status

from services.runtime.tokens import hash_api_key


def presented_key_hash(request: Request) -> str:
    """The sha256 of the presented API key; 401 with a reason when there is none."""
    auth = request.headers.get("authorization", "")
    key = (
        auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
    )
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return hash_api_key(key)


def unknown_key() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "unknown or revoked API key",
        headers={"WWW-Authenticate": "Bearer"},
    )
