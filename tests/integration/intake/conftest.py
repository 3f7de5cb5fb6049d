"""An intake service per test, on the real broker and a fresh database, with two unions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from services.intake.app import IntakeSettings, create_app
from services.intake.cli import register
from tests.support import Infra, serving


@dataclass
class IntakeUnderTest:
    client: httpx.AsyncClient
    infra: Infra
    keys: dict[str, str]
    settings: IntakeSettings

    def auth(self, union_id: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[union_id]}

    async def submit(self, union_id: str = "spn", **body: object) -> httpx.Response:
        payload = {
            "text": "gaji bulan ini dipotong tanpa alasan",
            "idempotency_key": "k-1",
            "sector": "garment",
            **body,
        }
        return await self.client.post("/v1/complaints", json=payload, headers=self.auth(union_id))

    async def db(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.infra.database_url)
        await conn.execute("SET search_path TO intake")
        return conn


@pytest.fixture()
def infra(kafka_bootstrap: str, database_url: str, topic_prefix: str) -> Infra:
    return Infra(kafka_bootstrap, database_url, topic_prefix)


@pytest.fixture()
async def intake(infra: Infra) -> AsyncIterator[IntakeUnderTest]:
    await infra.create_topics()
    keys = {}
    for union_id in ("spn", "japbusi"):
        registration = await register(infra.database_url, union_id, union_id.upper())
        keys[union_id] = registration.api_key
    settings = IntakeSettings(**infra.settings(stuck_after_seconds=3600, stuck_check_seconds=3600))
    async with serving(create_app(settings)) as client:
        yield IntakeUnderTest(client, infra, keys, settings)
