"""Abuse limits: how often a client address or a union key may call, how many wrong secrets a
client may try before it has to wait.

Two kinds of limit, both answered with 429 and a `Retry-After` in seconds:
- request rates: per client address on the workers' routes (tracking, rating, reply, reopen),
  per union API key on every route a key opens (submission above all);
- failure lockouts: wrong tracking secrets per tracking code and per client address, unknown
  API keys per client address. Once a window holds its allowance of failures, that code or
  address is refused until the window ends, even with the right secret: a guesser learns
  nothing more, and the worker holding the real secret waits minutes, not forever.

Failure counters live in the service's database once it has one (`PostgresCounters`), so every
replica counts the same wrong secrets: a guesser spread over N replicas gets one allowance, not
N. Request-rate counters stay in each process's memory (`limits`'s MemoryStorage): a database
write per request would cost the submission path more than the limit is worth, so with N
replicas a client may make up to N times the allowed requests. The client address is the one uvicorn
reports, which honours `X-Forwarded-For` only from `FORWARDED_ALLOW_IPS` (127.0.0.1 unless the
operator says otherwise); the web frontend forwards its visitors' addresses that way.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import Annotated

import asyncpg
from fastapi import HTTPException, Request, status
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from services.runtime.db import rows_affected


def _limit(value: object) -> object:
    """A limit as written ("300/minute", "5/15 minutes"), parsed by `limits`."""
    return parse(value) if isinstance(value, str) else value


# Read from text (the environment) and checked at start: a misspelt limit fails with its field
# named, not at the first request.
Limit = Annotated[
    RateLimitItem,
    BeforeValidator(_limit),
    PlainSerializer(str, return_type=str),
]


class ThrottleSettings(BaseModel):
    """The allowances; `ADUAN_THROTTLE__<FIELD>` in the environment (pydantic-settings)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    enabled: bool = True
    # Mobile carriers put many phones behind one address (carrier-grade NAT), and so does a
    # factory's Wi-Fi: a worker checks a complaint a few times a day, a whole shift a few
    # hundred times an hour.
    worker_per_address: Limit = parse("300/minute")
    # One complaint's own routes: enough for the worker and a relative refreshing a page.
    worker_per_code: Limit = parse("30/minute")
    # A union's frontend relays every worker's complaint, and a federation's apps reconnecting
    # after an outage send thousands at once: intake takes 1,000 a second from one key.
    per_key: Limit = parse("60000/minute")
    # A worker mistyping a secret gets several tries; a 16-character base32 secret is never
    # guessed at five tries per quarter hour.
    wrong_secrets_per_code: Limit = parse("5/15 minutes")
    # One address trying many codes (or many keys): more room, since it may be a whole NAT.
    wrong_secrets_per_address: Limit = parse("50/hour")
    wrong_keys_per_address: Limit = parse("20/15 minutes")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(reason: str, reset_at: float) -> HTTPException:
    wait = max(1, math.ceil(reset_at - time.time()))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"{reason}; try again in {wait} seconds",
        headers={"Retry-After": str(wait)},
    )


class Throttle:
    """One process's counters. Every check is a few microseconds of dictionary work."""

    def __init__(self, settings: ThrottleSettings) -> None:
        self.enabled = settings.enabled
        self.limits = settings
        storage = MemoryStorage()
        # Sliding-window counters: constant memory per client, no burst at a window's edge.
        self._rates = SlidingWindowCounterRateLimiter(storage)
        # Fixed windows for failures: a lockout ends at a time the 429 can state.
        self._failures = FixedWindowRateLimiter(storage)

    def share_failures(self, pool: asyncpg.Pool, secret: str) -> None:
        """Count failures in the service's database from now on (the service has started);
        `secret` keys the hash that stands for a code or an address there."""
        self._failures = FixedWindowRateLimiter(PostgresCounters(pool, secret))

    async def worker_request(self, request: Request, code: str) -> None:
        """A call on a worker's route: the address's and the code's request rates."""
        await self._spend(self.limits.worker_per_address, "address", client_address(request))
        await self._spend(self.limits.worker_per_code, "code", code)

    async def key_request(self, key_hash: str) -> None:
        await self._spend(self.limits.per_key, "key", key_hash)

    async def refuse_if_locked_out(self, request: Request, code: str) -> None:
        """429 while the code or the address has used up its wrong secrets."""
        await self._locked(self.limits.wrong_secrets_per_code, "secret-code", code)
        await self._locked(
            self.limits.wrong_secrets_per_address, "secret-address", client_address(request)
        )

    async def wrong_secret(self, request: Request, code: str) -> None:
        if self.enabled:
            await self._failures.hit(self.limits.wrong_secrets_per_code, "secret-code", code)
            await self._failures.hit(
                self.limits.wrong_secrets_per_address, "secret-address", client_address(request)
            )

    async def right_secret(self, code: str) -> None:
        """The worker got in: earlier typos no longer count against the code."""
        if self.enabled:
            await self._failures.clear(self.limits.wrong_secrets_per_code, "secret-code", code)

    async def refuse_if_guessing_keys(self, request: Request) -> None:
        await self._locked(
            self.limits.wrong_keys_per_address, "key-address", client_address(request)
        )

    async def wrong_key(self, request: Request) -> None:
        if self.enabled:
            await self._failures.hit(
                self.limits.wrong_keys_per_address, "key-address", client_address(request)
            )

    async def _spend(self, item: RateLimitItem, kind: str, identity: str) -> None:
        if self.enabled and not await self._rates.hit(item, kind, identity):
            stats = await self._rates.get_window_stats(item, kind, identity)
            raise too_many(f"too many requests from this {kind} (limit {item})", stats.reset_time)

    async def _locked(self, item: RateLimitItem, kind: str, identity: str) -> None:
        if self.enabled and not await self._failures.test(item, kind, identity):
            stats = await self._failures.get_window_stats(item, kind, identity)
            subject = "tracking code" if kind == "secret-code" else "address"
            raise too_many(f"too many wrong attempts for this {subject}", stats.reset_time)


class PostgresCounters(Storage):
    """Fixed-window counters in the service schema's `throttle_failures` (runtime migration
    006), for `limits`'s FixedWindowRateLimiter. Only failures are counted here: one write per
    wrong secret or unknown key, one read per check on the routes that take secrets.

    A counter's key names a tracking code or a worker's address, so the table holds a keyed
    hash of it instead (HMAC-SHA256 under the service's secret): the same on every replica,
    and no address at rest that an unkeyed hash of the 2^32 IPv4 addresses would give back.
    """

    def __init__(self, pool: asyncpg.Pool, secret: str) -> None:
        super().__init__()
        self.pool = pool
        self._secret = secret.encode()

    def _row(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        errors: type[Exception] = asyncpg.PostgresError
        return errors

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount`; a window that has ended starts again at `amount` for `expiry` seconds."""
        count: int = await self.pool.fetchval(
            "INSERT INTO throttle_failures AS f (key, count, expires_at)"
            " VALUES ($1, $3, now() + make_interval(secs => $2))"
            " ON CONFLICT (key) DO UPDATE SET"
            "  count = CASE WHEN f.expires_at <= now() THEN $3 ELSE f.count + $3 END,"
            "  expires_at = CASE WHEN f.expires_at <= now()"
            "   THEN now() + make_interval(secs => $2) ELSE f.expires_at END"
            " RETURNING count",
            self._row(key),
            float(expiry),
            amount,
        )
        return count

    async def get(self, key: str) -> int:
        count: int | None = await self.pool.fetchval(
            "SELECT count FROM throttle_failures WHERE key = $1 AND expires_at > now()",
            self._row(key),
        )
        return count or 0

    async def get_expiry(self, key: str) -> float:
        """When the key's window ends (epoch seconds); now if it has no running window."""
        expiry: float | None = await self.pool.fetchval(
            "SELECT extract(epoch FROM expires_at)::float8 FROM throttle_failures"
            " WHERE key = $1 AND expires_at > now()",
            self._row(key),
        )
        return expiry if expiry is not None else time.time()

    async def check(self) -> bool:
        return bool(await self.pool.fetchval("SELECT true"))

    async def reset(self) -> int | None:
        deleted: str = await self.pool.execute("DELETE FROM throttle_failures")
        return rows_affected(deleted)

    async def clear(self, key: str) -> None:
        await self.pool.execute("DELETE FROM throttle_failures WHERE key = $1", self._row(key))


async def forget_ended_windows(pool: asyncpg.Pool) -> int:
    """Drop failure counters whose window ended: a code or address tried once is not kept."""
    deleted: str = await pool.execute("DELETE FROM throttle_failures WHERE expires_at <= now()")
    return rows_affected(deleted)
