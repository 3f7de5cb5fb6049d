"""A poll of downstream events applied to intake's timeline at once, on a real PostgreSQL: each
event once, nothing from replays or other unions, statuses forward to the furthest event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from schemas.events import ComplaintResolved, ComplaintTriaged
from services.intake import handlers
from services.runtime.db import create_pool
from services.runtime.messaging import Delivery
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import delivered

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture()
async def pool(intake: IntakeUnderTest) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(intake.infra.database_url, schema="intake")
    try:
        yield pool
    finally:
        await pool.close()


async def submitted(intake: IntakeUnderTest, union_id: str = "spn") -> uuid.UUID:
    response = await intake.submit(union_id, idempotency_key=str(uuid.uuid4()))
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["complaint_id"])


def triaged(complaint_id: uuid.UUID, model_version: str, union_id: str = "spn") -> ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=complaint_id, union_id=union_id, category="wages_minimum_wage",
        secondary=[], tags=["individual"], priority="P2", confidence=0.8, needs_review=False,
        model_version=model_version, embedding=[0.0], embedding_version="e", sector="garment",
        text="gaji dipotong", submitted_at=AT, triaged_at=AT + timedelta(seconds=1),
    )  # fmt: skip


def resolved(complaint_id: uuid.UUID, lifecycle_round: int) -> ComplaintResolved:
    return ComplaintResolved(
        complaint_id=complaint_id, union_id="spn", officer="Rina", outcome="resolved",
        actions_taken=["collect_evidence"], days_to_resolve=2.0,
        resolved_at=AT + timedelta(days=2 + lifecycle_round), round=lifecycle_round,
    )  # fmt: skip


async def apply(pool: asyncpg.Pool, kind: str, batch: list[tuple[Any, Delivery]]) -> None:
    """What intake's timeline consumer does with a poll of one topic."""
    runtime: Any = SimpleNamespace(pool=pool)  # all the consumer uses of the runtime
    await handlers.on_timeline_events(runtime, kind, kind, batch)


async def entries(pool: asyncpg.Pool, complaint_id: uuid.UUID, kind: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT event_id FROM timeline WHERE complaint_id = $1 AND kind = $2 ORDER BY event_id",
        complaint_id,
        kind,
    )
    return [row["event_id"] for row in rows]


class TestAPollAtOnce:
    """Intake applies a poll's events of one topic with one statement per step; the timeline
    and the queue's columns end as if they had come one at a time."""

    async def test_replays_strangers_and_unknown_complaints_add_nothing(
        self, intake: IntakeUnderTest, pool: asyncpg.Pool
    ) -> None:
        first, second = await submitted(intake), await submitted(intake)
        poll = [
            delivered(triaged(first, "m1"), "e-1"),
            delivered(triaged(first, "m1"), "e-2"),  # the same body under a new event id
            delivered(triaged(first, "m1"), "e-1"),  # the same event delivered twice
            delivered(triaged(second, "m-forged", union_id="japbusi"), "e-3"),
            delivered(triaged(uuid.uuid4(), "m1"), "e-4"),  # a complaint intake never had
            delivered(triaged(second, "m2"), "e-5"),
        ]
        await apply(pool, "triaged", poll)
        assert await entries(pool, first, "triaged") == ["e-1"]
        assert await entries(pool, second, "triaged") == ["e-5"]
        rows = await pool.fetch(
            "SELECT status, category, priority FROM complaints WHERE complaint_id = ANY($1)",
            [first, second],
        )
        assert [tuple(r) for r in rows] == [("triaged", "wages_minimum_wage", "P2")] * 2

    async def test_an_event_seen_in_an_earlier_poll_is_not_applied_again(
        self, intake: IntakeUnderTest, pool: asyncpg.Pool
    ) -> None:
        complaint = await submitted(intake)
        await apply(pool, "triaged", [delivered(triaged(complaint, "m1"), "e-1")])
        await apply(
            pool,
            "triaged",
            [delivered(triaged(complaint, "m1"), "e-1"), delivered(triaged(complaint, "m2"))],
        )
        assert len(await entries(pool, complaint, "triaged")) == 2

    async def test_the_furthest_round_in_a_poll_sets_the_status(
        self, intake: IntakeUnderTest, pool: asyncpg.Pool
    ) -> None:
        complaint = await submitted(intake)
        poll = [delivered(resolved(complaint, 1)), delivered(resolved(complaint, 0))]
        await apply(pool, "resolved", poll)
        row = await pool.fetchrow(
            "SELECT status, status_rank FROM complaints WHERE complaint_id = $1", complaint
        )
        assert row is not None and tuple(row) == ("resolved", 14)
        assert len(await entries(pool, complaint, "resolved")) == 2
