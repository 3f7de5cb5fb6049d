"""Feedback's consumers: the union registry, complaint clocks, and the metrics they feed.

Metrics are observed here, from the events, not in the API handlers: whichever replica
consumes an event observes it once, and a replayed event (dedupe) observes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg

from schemas.events import (
    ComplaintRecommended,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSubmitted,
    ComplaintTriaged,
    FeedbackRated,
    UnionRegistered,
)
from schemas.topics import (
    COMPLAINT_RECOMMENDED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    FEEDBACK_RATED,
    UNION_REGISTERED,
)
from services.feedback import metrics, store
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery, NotReady
from services.runtime.metrics import UnionLabels
from services.runtime.outbox import first_time

CONSUMER = "feedback"

Apply = Callable[[asyncpg.Connection, Any], Awaitable[None]]


def register(runtime: ServiceRuntime, unions: UnionLabels) -> None:
    def once(apply: Apply) -> Callable[[Any, Delivery], Awaitable[None]]:
        async def handle(event: Any, delivery: Delivery) -> None:
            async with runtime.pool.acquire() as conn, conn.transaction():
                if await first_time(conn, CONSUMER, delivery.event_id):
                    await apply(conn, event)

        return handle

    async def on_union(conn: asyncpg.Connection, event: UnionRegistered) -> None:
        await store.upsert_union(conn, event)
        unions.register(event.union_id)

    async def on_submitted(conn: asyncpg.Connection, event: ComplaintSubmitted) -> None:
        await store.insert_complaint(conn, event)

    async def on_triaged(conn: asyncpg.Connection, event: ComplaintTriaged) -> None:
        await store.set_triage(conn, event)
        label = unions(event.union_id)
        metrics.TIME_TO_TRIAGE.labels(label).observe(_seconds(event.submitted_at, event.triaged_at))
        metrics.COMPLAINTS_TRIAGED.labels(
            label, event.priority.value, str(event.needs_review).lower()
        ).inc()

    async def on_recommended(conn: asyncpg.Connection, event: ComplaintRecommended) -> None:
        await _observe_clock(
            conn,
            event.complaint_id,
            "recommended_at",
            event.recommended_at,
            lambda c, s: metrics.TIME_TO_RECOMMENDATION.labels(unions(c["union_id"])).observe(s),
        )

    async def on_responded(conn: asyncpg.Connection, event: ComplaintResponded) -> None:
        await _observe_clock(
            conn,
            event.complaint_id,
            "first_response_at",
            event.responded_at,
            lambda c, s: metrics.TIME_TO_FIRST_RESPONSE.labels(
                unions(c["union_id"]), c["priority"] or "unknown"
            ).observe(s),
        )

    async def on_resolved(conn: asyncpg.Connection, event: ComplaintResolved) -> None:
        await _observe_clock(
            conn,
            event.complaint_id,
            "resolved_at",
            event.resolved_at,
            lambda c, s: metrics.TIME_TO_RESOLUTION.labels(
                unions(c["union_id"]), event.outcome.value
            ).observe(s),
        )

    async def on_rated(conn: asyncpg.Connection, event: FeedbackRated) -> None:
        if event.revision == 1:  # a revision replaces the rating; count each worker once
            metrics.RATING_SCORE.labels(unions(event.union_id)).observe(event.score)
            metrics.RATINGS_FIXED.labels(unions(event.union_id), event.fixed).inc()

    bus = runtime.bus
    bus.subscribe(UNION_REGISTERED, once(on_union))
    bus.subscribe(COMPLAINT_SUBMITTED, once(on_submitted))
    bus.subscribe(COMPLAINT_TRIAGED, once(on_triaged))
    bus.subscribe(COMPLAINT_RECOMMENDED, once(on_recommended))
    bus.subscribe(COMPLAINT_RESPONDED, once(on_responded))
    bus.subscribe(COMPLAINT_RESOLVED, once(on_resolved))
    bus.subscribe(FEEDBACK_RATED, once(on_rated))


async def _observe_clock(
    conn: asyncpg.Connection,
    complaint_id: Any,
    column: str,
    at: datetime,
    observe: Callable[[dict[str, Any], float], None],
) -> None:
    """Stop one of the complaint's clocks the first time, and observe how long it ran."""
    complaint = await store.complaint(conn, complaint_id)
    if complaint is None:
        raise NotReady(f"complaint {complaint_id} not known to feedback yet")
    if complaint[column] is not None:
        return
    await store.set_time(conn, complaint_id, column, at)
    observe(complaint, _seconds(complaint["submitted_at"], at))


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())
