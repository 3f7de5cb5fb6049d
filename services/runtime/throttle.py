"""Abuse limits: how often a client address or a union key may call, how many wrong secrets a
client may try before it has to wait.

Two kinds of limit, both answered with 429 and a `Retry-After` in seconds:
- request rates: per client address on the workers' routes (tracking, rating, reply, reopen),
  per union API key on every route a key opens (submission above all);
- failure lockouts: wrong tracking secrets per tracking code and per client address, unknown
  API keys per client address. Once a window holds its allowance of failures, that code or
  address is refused until the window ends, even with the right secret: a guesser learns
  nothing more, and the worker holding the real secret waits minutes, not forever.

Counters live in this process's memory (`limits`'s MemoryStorage): with N replicas behind a
load balancer a client gets up to N times the allowance. The client address is the one uvicorn
reports, which honours `X-Forwarded-For` only from `FORWARDED_ALLOW_IPS` (127.0.0.1 unless the
operator says otherwise); the web frontend forwards its visitors' addresses that way.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer


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
