"""Every service refuses oversized bodies and headers before a route reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from services.runtime.limits import MAX_HEADER_BYTES, RequestLimits

LIMIT = 1000


@pytest.fixture()
def reads() -> list[int]:
    return []


@pytest.fixture()
def client(reads: list[int]) -> httpx.AsyncClient:
    app = FastAPI()

    @app.post("/echo-size")
    async def echo_size(request: Request) -> dict[str, int]:
        size = len(await request.body())
        reads.append(size)
        return {"size": size}

    app.add_middleware(RequestLimits, max_body_bytes=LIMIT)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://limits")


class TestRequestLimits:
    """413 for a body over the limit, declared or streamed; 431 for oversized headers."""

    async def test_a_body_within_the_limit_reaches_the_route(
        self, client: httpx.AsyncClient, reads: list[int]
    ) -> None:
        answer = await client.post("/echo-size", content=b"x" * LIMIT)
        assert answer.json() == {"size": LIMIT}

    async def test_a_declared_oversized_body_is_refused_unread(
        self, client: httpx.AsyncClient, reads: list[int]
    ) -> None:
        answer = await client.post("/echo-size", content=b"x" * (LIMIT + 1))
        assert answer.status_code == 413
        assert "over 1000 bytes" in answer.json()["error"]
        assert reads == []

    async def test_a_streamed_body_is_cut_off_at_the_limit(
        self, client: httpx.AsyncClient, reads: list[int]
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 300

        answer = await client.post("/echo-size", content=chunks())
        assert answer.status_code == 413
        assert reads == []

    async def test_a_non_numeric_length_is_refused(self, client: httpx.AsyncClient) -> None:
        answer = await client.post(
            "/echo-size", content=b"x", headers={"content-length": "1; drop"}
        )
        assert answer.status_code == 413

    async def test_oversized_headers_are_refused(self, client: httpx.AsyncClient) -> None:
        answer = await client.post(
            "/echo-size", content=b"x", headers={"x-padding": "a" * MAX_HEADER_BYTES}
        )
        assert answer.status_code == 431
