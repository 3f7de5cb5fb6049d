"""Reading a union's API key from a request.

Keys are accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Which union a key
belongs to is each service's own lookup (by the key's sha256), so the kit knows no unions.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import asyncpg
from fastapi import HTTPException, Request, status

from services.runtime.http import runtime_of
from services.runtime.tokens import hash_api_key

# How long a key's union is remembered. Every request of a union's frontend presents the same
# key, and looking it up cost a database round trip per submission; the price is that a revoked
# or rotated-out key keeps working for up to this long in each process that saw it.
KEY_TTL_SECONDS = 10.0
# Enough for every union of a large federation many times over; past it the oldest is dropped.
MAX_REMEMBERED_KEYS = 4096

KeyLookup = Callable[[asyncpg.Pool, str], Awaitable[str | None]]


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


def refuse_union_credentials(request: Request) -> None:
    """Workers' routes refuse a union's credentials (403): officers cannot track, rate, reopen
    or reply in a worker's name."""
    if request.headers.get("x-api-key") or request.headers.get("authorization"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this is the worker's own route (tracking code and secret); officers cannot use it",
        )


def unknown_key() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "unknown or revoked API key",
        headers={"WWW-Authenticate": "Bearer"},
    )


class UnionKeys:
    """A FastAPI dependency: the union whose API key the request presents (401 otherwise).

    Answers are remembered for `KEY_TTL_SECONDS`; unknown keys never are, so a union registered
    a moment ago is recognised at once and a guessed key always costs a lookup.
    """

    def __init__(self, lookup: KeyLookup, ttl_seconds: float = KEY_TTL_SECONDS) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds
        self._known: dict[str, tuple[str, float]] = {}

    async def __call__(self, request: Request) -> str:
        key_hash = presented_key_hash(request)
        now = time.monotonic()
        known = self._known.get(key_hash)
        if known is not None and known[1] > now:
            return known[0]
        union_id = await self._lookup(runtime_of(request).pool, key_hash)
        if union_id is None:
            self._known.pop(key_hash, None)
            raise unknown_key()
        self._remember(key_hash, union_id, now + self._ttl)
        return union_id

    def _remember(self, key_hash: str, union_id: str, until: float) -> None:
        self._known.pop(key_hash, None)
        if len(self._known) >= MAX_REMEMBERED_KEYS:
            del self._known[next(iter(self._known))]
        self._known[key_hash] = (union_id, until)
