"""Which union a request's API key belongs to, and how long that answer is trusted."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from services.runtime import auth
from services.runtime.auth import UnionKeys
from services.runtime.throttle import Throttle, ThrottleSettings
from services.runtime.tokens import hash_api_key


class FakeDirectory:
    """The union table a service looks keys up in; counts the lookups."""

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = {hash_api_key(k): union for k, union in keys.items()}
        self.lookups = 0

    async def __call__(self, pool: Any, key_hash: str) -> str | None:
        self.lookups += 1
        return self.keys.get(key_hash)


def service(throttle: Throttle | None = None) -> SimpleNamespace:
    """What `UnionKeys` reads of a service's runtime: its pool, limits and remembered keys."""
    return SimpleNamespace(
        pool=None, throttle=throttle or Throttle(ThrottleSettings()), remembered_keys={}
    )


def request(key: str | None, runtime: SimpleNamespace) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(runtime=runtime))
    headers = [(b"x-api-key", key.encode())] if key else []
    return Request(
        {"type": "http", "headers": headers, "app": app, "client": ("203.0.113.5", 40000)}
    )


class TestUnionKeys:
    """A union's frontend presents the same key on every request: it is looked up once per
    `KEY_TTL_SECONDS`, and a key nobody holds is never remembered."""

    async def test_a_known_key_is_looked_up_once_while_remembered(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory)
        api = service()
        assert [await keys(request("kunci-spn", api)) for _ in range(3)] == ["spn"] * 3
        assert directory.lookups == 1

    async def test_a_remembered_key_is_looked_up_again_after_its_time(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory, ttl_seconds=0.0)
        api = service()
        await keys(request("kunci-spn", api))
        await keys(request("kunci-spn", api))
        assert directory.lookups == 2

    async def test_a_revoked_key_stops_working_once_forgotten(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory, ttl_seconds=0.0)
        api = service()
        await keys(request("kunci-spn", api))
        directory.keys.clear()
        with pytest.raises(HTTPException) as refused:
            await keys(request("kunci-spn", api))
        assert refused.value.status_code == 401

    async def test_an_unknown_key_is_refused_and_asked_again_next_time(self) -> None:
        directory = FakeDirectory({})
        keys = UnionKeys(directory)
        api = service()
        for _ in range(2):
            with pytest.raises(HTTPException) as refused:
                await keys(request("tebakan", api))
            assert refused.value.status_code == 401
        assert directory.lookups == 2  # a union registered meanwhile is found at once

    async def test_a_request_without_a_key_is_refused_without_a_lookup(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        with pytest.raises(HTTPException) as refused:
            await UnionKeys(directory)(request(None, service()))
        assert refused.value.status_code == 401
        assert directory.lookups == 0

    async def test_the_oldest_key_is_forgotten_when_too_many_are_remembered(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(auth, "MAX_REMEMBERED_KEYS", 2)
        directory = FakeDirectory({"a": "u1", "b": "u2", "c": "u3"})
        keys = UnionKeys(directory)
        api = service()
        for key in ("a", "b", "c"):
            await keys(request(key, api))
        await keys(request("c", api))
        await keys(request("a", api))
        assert directory.lookups == 4  # "a" was dropped for "c"; "c" still remembered

    async def test_what_one_service_remembers_is_not_another_services_answer(self) -> None:
        """Two apps in one process (an embedded stack, the tests) read different databases: a
        key known to the first must still be looked up by the second, and refused there while
        its union has not arrived."""
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory)
        assert await keys(request("kunci-spn", service())) == "spn"
        directory.keys.clear()
        with pytest.raises(HTTPException) as refused:
            await keys(request("kunci-spn", service()))
        assert refused.value.status_code == 401
        assert directory.lookups == 2


class TestKeyGuessing:
    """An address that keeps presenting unknown keys is stopped before the database is asked."""

    async def test_an_address_is_locked_out_after_its_wrong_keys(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory)
        api = service(Throttle(ThrottleSettings(wrong_keys_per_address="3/15 minutes")))
        for n in range(3):
            with pytest.raises(HTTPException) as refused:
                await keys(request(f"tebakan-{n}", api))
            assert refused.value.status_code == 401
        with pytest.raises(HTTPException) as locked:
            await keys(request("tebakan-lagi", api))
        assert locked.value.status_code == 429
        assert directory.lookups == 3

    async def test_a_key_past_its_rate_is_refused_until_the_window_moves(self) -> None:
        directory = FakeDirectory({"kunci-spn": "spn"})
        keys = UnionKeys(directory)
        api = service(Throttle(ThrottleSettings(per_key="2/minute")))
        await keys(request("kunci-spn", api))
        await keys(request("kunci-spn", api))
        with pytest.raises(HTTPException) as refused:
            await keys(request("kunci-spn", api))
        assert refused.value.status_code == 429
        assert refused.value.headers is not None and "Retry-After" in refused.value.headers
