"""Recommend answers a poll's complaints side by side, each complaint's events in order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from schemas.events import ComplaintTriaged
from schemas.vocabulary import Category, Priority, Sector
from services.recommend.handlers import ANSWER_CONCURRENCY, answer_concurrently
from services.runtime.messaging import Delivery
from tests.support import delivered


def triaged(
    complaint_id: uuid.UUID, version: str, priority: Priority = Priority.P3
) -> tuple[ComplaintTriaged, Delivery]:
    now = datetime.now(UTC)
    event = ComplaintTriaged(
        complaint_id=complaint_id,
        union_id="spn",
        category=Category.WAGES_MINIMUM_WAGE,
        secondary=[],
        tags=[],
        priority=priority,
        confidence=0.9,
        needs_review=False,
        model_version=version,
        embedding=[0.0, 1.0],
        embedding_version="test",
        sector=Sector.GARMENT,
        text="gaji di bawah UMK",
        submitted_at=now,
        triaged_at=now,
    )
    return delivered(event, f"{complaint_id}-{version}")


class TestAnswerConcurrently:
    async def test_different_complaints_are_answered_at_the_same_time(self) -> None:
        """Answers overlap, up to the concurrency limit and no further."""
        running = 0
        most = 0

        async def answer(event: ComplaintTriaged, delivery: Delivery) -> None:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

        items = [triaged(uuid.uuid4(), "m1") for _ in range(3 * ANSWER_CONCURRENCY)]
        await answer_concurrently(items, answer)
        assert most == ANSWER_CONCURRENCY

    async def test_one_complaints_events_are_answered_in_the_order_they_came(self) -> None:
        """A re-triage after a correction must not be overtaken by the first triage."""
        order: list[str] = []
        first, other = uuid.uuid4(), uuid.uuid4()

        async def answer(event: ComplaintTriaged, delivery: Delivery) -> None:
            # The first event of `first` is the slowest: without ordering it would finish last.
            await asyncio.sleep(0.03 if event.model_version == "m1" else 0.0)
            order.append(f"{event.complaint_id == first}-{event.model_version}")

        items = [triaged(first, "m1"), triaged(other, "m1"), triaged(first, "m2")]
        await answer_concurrently(items, answer)
        assert order.index("True-m1") < order.index("True-m2")

    async def test_emergencies_at_the_end_of_a_full_poll_are_answered_first(self) -> None:
        """Behind a backlog an emergency must not wait for the routine complaints polled with it;
        a complaint re-triaged as P1 moves up with its earlier triage, still in order."""
        started: list[str] = []

        async def answer(event: ComplaintTriaged, delivery: Delivery) -> None:
            started.append(event.model_version)
            await asyncio.sleep(0.001)

        routine = [triaged(uuid.uuid4(), "routine") for _ in range(3 * ANSWER_CONCURRENCY)]
        raised = uuid.uuid4()
        items = [
            *routine,
            triaged(raised, "raised-first-P3", Priority.P3),
            triaged(uuid.uuid4(), "P2", Priority.P2),
            triaged(uuid.uuid4(), "P1", Priority.P1),
            triaged(raised, "raised-then-P1", Priority.P1),
        ]
        await answer_concurrently(items, answer)
        assert set(started[:3]) == {"raised-first-P3", "P1", "P2"}
        assert "routine" not in started[:3]
        assert started.index("raised-first-P3") < started.index("raised-then-P1")
        assert started.index("raised-then-P1") < len(started) - len(routine) + 1

    async def test_a_failure_is_raised_after_every_other_complaint_was_answered(self) -> None:
        """The kit retries the poll; meanwhile no other complaint was left unanswered."""
        answered: list[uuid.UUID] = []
        bad = uuid.uuid4()

        async def answer(event: ComplaintTriaged, delivery: Delivery) -> None:
            if event.complaint_id == bad:
                raise RuntimeError("database said no")
            await asyncio.sleep(0.01)
            answered.append(event.complaint_id)

        good = [uuid.uuid4() for _ in range(5)]
        items = [triaged(bad, "m1"), *(triaged(g, "m1") for g in good)]
        with pytest.raises(RuntimeError, match="database said no"):
            await answer_concurrently(items, answer)
        assert sorted(answered) == sorted(good)
