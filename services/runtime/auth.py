"""Reading a union's API key, or a worker's tracking secret, from a request.

Keys are accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>`. A service that takes
keys keeps its own `unions` table (intake's is the record, the others copy it from
`aduan.union.registered.v1`), with the key's sha256 and, while a key is being rotated out, the
old key's sha256 and the time it stops working.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import asyncpg
from fastapi import HTTPException, Request, status

from services.runtime.http import RememberedKeys, runtime_of
from services.runtime.tokens import (
    hash_api_key,
    normalise_tracking_code,
    tracking_secret_matches,
)

# How long a key's union is remembered. Every request of a union's frontend presents the same
# key, and looking it up cost a database round trip per submission; the price is that a revoked
# or rotated-out key keeps working for up to this long in each process that saw it.
KEY_TTL_SECONDS = 10.0
# Enough for every union of a large federation many times over; past it the oldest is dropped.
MAX_REMEMBERED_KEYS = 4096

KeyLookup = Callable[[asyncpg.Pool, str], Awaitable[str | None]]


async def union_of_key(pool: asyncpg.Pool, key_hash: str) -> str | None:
    """The union holding the key, current or rotated out and still within its overlap."""
    union_id: str | None = await pool.fetchval(
        "SELECT union_id FROM unions WHERE api_key_hash = $1"
        " OR (previous_api_key_hash = $1 AND previous_key_valid_until > now())",
        key_hash,
    )
    return union_id


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


async def open_for_worker(request: Request, code: str, secret: str | None) -> str:
    """The normalised tracking code, once `request` may act for the worker who holds it.

    Officers' credentials are refused (403); request rates and wrong-secret lockouts apply
    (429); an unknown code and a wrong secret are the same 404, so the answer tells a guesser
    nothing about which codes exist.
    """
    refuse_union_credentials(request)
    code = normalise_tracking_code(code)
    runtime = runtime_of(request)
    await runtime.throttle.worker_request(request, code)
    await runtime.throttle.refuse_if_locked_out(request, code)
    if not secret or not tracking_secret_matches(runtime.settings.tracking_key, code, secret):
        await runtime.throttle.wrong_secret(request, code)
        raise unknown_tracking_code()
    await runtime.throttle.right_secret(code)
    return code


def unknown_tracking_code() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "unknown tracking code or wrong secret")


def unknown_key() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "unknown or revoked API key",
        headers={"WWW-Authenticate": "Bearer"},
    )


class UnionKeys:
    """A FastAPI dependency: the union whose API key the request presents (401 otherwise).

    Answers are remembered for `KEY_TTL_SECONDS` in the service's runtime
    (`remembered_keys`), never in the dependency: an answer is only true of the database it
    came from, and two apps in one process (tests, an embedded stack) each have their own.
    Unknown keys are never remembered, so a union registered a moment ago is recognised at
    once and a guessed key always costs a lookup.
    """

    def __init__(
        self, lookup: KeyLookup = union_of_key, ttl_seconds: float = KEY_TTL_SECONDS
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds

    async def __call__(self, request: Request) -> str:
        key_hash = presented_key_hash(request)
        runtime = runtime_of(request)
        remembered: RememberedKeys = runtime.remembered_keys
        throttle = runtime.throttle
        now = time.monotonic()
        known = remembered.get(key_hash)
        if known is not None and known[1] > now:
            await throttle.key_request(key_hash)
            return known[0]
        await throttle.refuse_if_guessing_keys(request)
        union_id = await self._lookup(runtime.pool, key_hash)
        if union_id is None:
            remembered.pop(key_hash, None)
            await throttle.wrong_key(request)
            raise unknown_key()
        await throttle.key_request(key_hash)
        _remember(remembered, key_hash, union_id, now + self._ttl)
        return union_id


def _remember(remembered: RememberedKeys, key_hash: str, union_id: str, until: float) -> None:
    remembered.pop(key_hash, None)
    if len(remembered) >= MAX_REMEMBERED_KEYS:
        del remembered[next(iter(remembered))]
    remembered[key_hash] = (union_id, until)
