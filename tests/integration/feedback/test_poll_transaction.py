"""A poll's events applied in one transaction, on a real PostgreSQL: all or nothing, and each
event's metrics counted once, after its commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from schemas.events import ComplaintSubmitted, ComplaintTriaged
from schemas.topics import COMPLAINT_SUBMITTED, COMPLAINT_TRIAGED
from services.feedback import handlers
from services.feedback.app import MIGRATIONS
from services.runtime.db import create_pool
from services.runtime.metrics import UnionLabels
from tests.support import delivered

UNION = "spn"


@pytest.fixture()
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, schema="feedback", migrations=MIGRATIONS)
    try:
        yield pool
    finally:
        await pool.close()


def consumers(pool: asyncpg.Pool) -> tuple[handlers.Batch, handlers.Batch]:
    """Feedback's poll handlers of submissions and triages, as the service subscribes them."""
    runtime: Any = SimpleNamespace(pool=pool)  # all a poll handler uses of the runtime
    apply = dict(handlers.subscriptions(UnionLabels({UNION})))
    return (
        handlers.once(runtime, apply[COMPLAINT_SUBMITTED]),
        handlers.once(runtime, apply[COMPLAINT_TRIAGED]),
    )


def submitted(complaint_id: uuid.UUID, at: datetime) -> ComplaintSubmitted:
    return ComplaintSubmitted(
        complaint_id=complaint_id,
        union_id=UNION,
        tracking_code=f"ADU-TX-{complaint_id.hex[:4].upper()}-{complaint_id.hex[4:8].upper()}",
        channel="app",
        sector="garment",
        kind="complaint",
        text="lembur tidak dibayar sudah tiga bulan",
        language="id",
        member=True,
        anonymous=False,
        workplace=None,
        occurred_on=None,
        submitted_at=at,
    )


def triaged(complaint_id: uuid.UUID, at: datetime, union_id: str = UNION) -> ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=complaint_id,
        union_id=union_id,
        category="overtime",
        secondary=[],
        tags=["collective"],
        priority="P3",
        confidence=0.9,
        needs_review=False,
        model_version="test",
        embedding=[0.0] * 4,
        embedding_version="test",
        sector="garment",
        text="lembur tidak dibayar sudah tiga bulan",
        submitted_at=at,
        triaged_at=at + timedelta(seconds=1),
    )


def triaged_count() -> float:
    """How many triages feedback has timed for the union (`aduan_time_to_triage_seconds`)."""
    count = REGISTRY.get_sample_value("aduan_time_to_triage_seconds_count", {"union": UNION})
    return count or 0.0


async def priorities(pool: asyncpg.Pool) -> dict[uuid.UUID, str | None]:
    rows = await pool.fetch("SELECT complaint_id, priority FROM complaints")
    return {r["complaint_id"]: r["priority"] for r in rows}


class TestOnePollOneTransaction:
    """Feedback applies a poll's events of one topic in one transaction: when one of them fails,
    none is kept and none is counted, so the one-at-a-time retry that follows counts each once."""

    async def test_a_failing_event_takes_its_poll_back_and_nothing_is_counted_twice(
        self, pool: asyncpg.Pool
    ) -> None:
        submit, triage = consumers(pool)
        now = datetime.now(UTC)
        first, second = uuid.uuid4(), uuid.uuid4()
        await submit([delivered(submitted(first, now)), delivered(submitted(second, now))])
        good = delivered(triaged(first, now))
        wrong_union = delivered(triaged(second, now, union_id="japbusi"))
        before = triaged_count()

        with pytest.raises(ValueError, match="another union"):
            await triage([good, wrong_union])
        assert await priorities(pool) == {first: None, second: None}
        assert triaged_count() == before

        await triage([good])  # what the bus does next: the events one at a time
        await triage([good])  # and a redelivery of the same event
        assert await priorities(pool) == {first: "P3", second: None}
        assert triaged_count() == before + 1

    async def test_a_whole_poll_is_kept_and_each_event_counted(self, pool: asyncpg.Pool) -> None:
        submit, triage = consumers(pool)
        now = datetime.now(UTC)
        complaints = [uuid.uuid4() for _ in range(5)]
        await submit([delivered(submitted(c, now)) for c in complaints])
        before = triaged_count()
        await triage([delivered(triaged(c, now)) for c in complaints])
        assert await priorities(pool) == dict.fromkeys(complaints, "P3")
        assert triaged_count() == before + 5
