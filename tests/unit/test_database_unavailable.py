"""A database that is down or restarting is a 503 with Retry-After, never a 500: the request was
not taken, and the same request (same idempotency key) may be sent again."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import APIRouter

from services.runtime.http import (
    DATABASE_RETRY_AFTER_SECONDS,
    ServiceRuntime,
    create_service_app,
)
from services.runtime.settings import ServiceSettings

FAILURES = [
    asyncpg.CannotConnectNowError("the database system is not yet accepting connections"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ConnectionRefusedError(111, "Connect call failed"),
]


def client_raising(failure: Exception) -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/v1/complaints")
    async def submit() -> dict[str, str]:
        raise failure

    app = create_service_app(ServiceRuntime("probe", ServiceSettings(), messaging=False), [router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://probe")


class TestDatabaseUnavailable:
    """What a union's frontend sees while PostgreSQL restarts."""

    @pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
    async def test_a_503_that_says_when_to_retry(self, failure: Exception) -> None:
        async with client_raising(failure) as http:
            answer = await http.post("/v1/complaints", json={})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == str(DATABASE_RETRY_AFTER_SECONDS)
        assert "send the request again" in answer.json()["error"]

    async def test_a_bug_is_still_a_500(self) -> None:
        """Only an unreachable database is excused; a programming error is not hidden."""
        async with client_raising(ValueError("a bug")) as http:
            answer = await http.post("/v1/complaints", json={})
        assert answer.status_code == 500
