"""Feedback's consumers: the union registry, complaint clocks, and the metrics they feed.

Metrics are observed here, from the events, not in the API handlers: whichever replica
consumes an event observes it once, after its transaction commits, and a replayed event
(dedupe) observes nothing. A clock stopped late (or a triage that gives a priority to clocks
that already stopped) publishes its breach from here; running clocks are the periodic job's
(`clocks.scan`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from typing import Any

import asyncpg

from schemas.events import (
    ComplaintRecommended,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSlaBreached,
    ComplaintSubmitted,
    ComplaintTriaged,
    FeedbackRated,
    UnionRegistered,
)
from schemas.topics import (
    COMPLAINT_RECOMMENDED,
    COMPLAINT_REOPENED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_SLA_BREACHED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    FEEDBACK_RATED,
    UNION_REGISTERED,
    Topic,
)
from services.feedback import clocks, metrics, store
from services.feedback.sla import CLOCKS, Clock
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery, NotReady
from services.runtime.metrics import UnionLabels
from services.runtime.outbox import first_time

CONSUMER = "feedback"
# Events a poll hands over at most.
POLL = 64

Apply = Callable[[asyncpg.Connection, Any], Awaitable[None]]
Batch = Callable[[list[tuple[Any, Delivery]]], Awaitable[None]]
MetricUpdate = Callable[[], None]

# The metric updates of the events applied in the transaction now open: made once it commits,
# dropped if it rolls back, so an event applied again after a rollback is counted once.
_UNCOMMITTED: ContextVar[list[MetricUpdate]] = ContextVar("feedback_uncommitted_metrics")


def register(runtime: ServiceRuntime, unions: UnionLabels) -> None:
    """Subscribe feedback's handlers, a poll's events of each topic applied once, together."""
    bus = runtime.bus
    for topic, apply in subscriptions(unions):
        bus.subscribe_batch(topic, once(runtime, apply), max_records=POLL, background=True)


def subscriptions(unions: UnionLabels) -> list[tuple[Topic, Apply]]:
    """The handler of each topic, with the union labels the metrics are counted under.

    In lifecycle order: a poll applies a complaint's submission before its triage.
    """
    return [
        (UNION_REGISTERED, partial(on_union, unions)),
        (COMPLAINT_SUBMITTED, on_submitted),
        (COMPLAINT_TRIAGED, partial(on_triaged, unions)),
        (COMPLAINT_RECOMMENDED, partial(on_recommended, unions)),
        (COMPLAINT_RESPONDED, partial(on_responded, unions)),
        (COMPLAINT_RESOLVED, partial(on_resolved, unions)),
        (FEEDBACK_RATED, partial(on_rated, unions)),
        (COMPLAINT_SLA_BREACHED, partial(on_breached, unions)),
        (COMPLAINT_REOPENED, partial(on_reopened, unions)),
    ]


def once(runtime: ServiceRuntime, apply: Apply) -> Batch:
    """A poll's handler applying each of its events once (`first_time`). The runtime, not its
    pool: the pool exists only once the service started."""
    return partial(_apply_once, runtime, apply)


async def _apply_once(
    runtime: ServiceRuntime, apply: Apply, batch: list[tuple[Any, Delivery]]
) -> None:
    # One transaction per poll and topic: BEGIN and COMMIT once, not for every event. When one
    # event fails, the whole poll rolls back, none of its metrics counted, and the bus hands
    # its events over again one at a time (one transaction each), so only the bad one is lost.
    async with runtime.pool.acquire() as conn, _counted_on_commit(conn):
        for event, delivery in batch:
            if await first_time(conn, CONSUMER, delivery.event_id):
                await apply(conn, event)


@asynccontextmanager
async def _counted_on_commit(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction whose handlers' metric updates (`count`) are made once it commits."""
    updates: list[MetricUpdate] = []
    token = _UNCOMMITTED.set(updates)
    try:
        async with conn.transaction():
            yield
    finally:
        _UNCOMMITTED.reset(token)
    for update in updates:
        update()


def count(update: MetricUpdate) -> None:
    """Make `update`, a metric observation, once the event's transaction has committed."""
    _UNCOMMITTED.get().append(update)


async def on_union(unions: UnionLabels, conn: asyncpg.Connection, event: UnionRegistered) -> None:
    await store.upsert_union(conn, event)
    unions.register(event.union_id)
    metrics.precreate(event.union_id)


async def on_submitted(conn: asyncpg.Connection, event: ComplaintSubmitted) -> None:
    await store.insert_complaint(conn, event)


async def on_triaged(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintTriaged
) -> None:
    # Only a complaint intake accepted gets clocks and metrics: a triage that arrives
    # before its submission waits for it, and one for a complaint never submitted (a
    # stray or forged event) waits until it is dead-lettered.
    before = await store.lock_complaint(conn, event.complaint_id)
    if before is None:
        raise NotReady(f"complaint {event.complaint_id} not submitted to feedback (yet)")
    if before["union_id"] != event.union_id:
        raise ValueError("the triage names another union than the complaint's")
    await store.set_triage(conn, event)
    label = unions(event.union_id)
    took = _seconds(event.submitted_at, event.triaged_at)
    count(lambda: metrics.TIME_TO_TRIAGE.labels(label).observe(took))
    count(
        lambda: metrics.count_triaged(
            label, event.category.value, event.priority.value, event.needs_review
        )
    )
    # A response or resolution may have come before the priority did: judge those clocks
    # now (once, at the first triage) and publish a late one's breach.
    if before is not None and before["priority"] is None:
        for clock in CLOCKS:
            if clocks.span(before, clock).stopped_at is not None:
                await _count_stopped(unions, conn, event.complaint_id, clock)
    await clocks.check_breaches(conn, event.complaint_id, _now(), stopped_only=True)


async def on_recommended(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintRecommended
) -> None:
    await _observe_clock(
        conn,
        event.complaint_id,
        "recommended_at",
        event.recommended_at,
        lambda c, s: metrics.TIME_TO_RECOMMENDATION.labels(unions(c["union_id"])).observe(s),
    )


async def on_responded(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintResponded
) -> None:
    stopped = await _observe_clock(
        conn,
        event.complaint_id,
        "first_response_at",
        event.responded_at,
        lambda c, s: metrics.observe_first_response(
            unions(c["union_id"]), c["priority"] or "unknown", s
        ),
    )
    if stopped:
        await _clock_stopped(unions, conn, event.complaint_id, "first_response")


async def on_resolved(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintResolved
) -> None:
    complaint = await store.lock_complaint(conn, event.complaint_id)
    if complaint is None:
        raise NotReady(f"complaint {event.complaint_id} not known to feedback yet")
    reopened_at = complaint["reopened_at"]
    if event.round < complaint["reopen_count"] or (
        reopened_at is not None and event.resolved_at <= reopened_at
    ):
        await _count_reopened_round(unions, conn, event)
        return
    await store.set_resolved(conn, event.complaint_id, event.resolved_at, event.outcome.value)
    await clocks.end_pause(conn, event.complaint_id, event.resolved_at)
    started = reopened_at or complaint["submitted_at"]
    label, took = unions(complaint["union_id"]), _seconds(started, event.resolved_at)
    count(lambda: metrics.observe_resolution(label, event.outcome.value, took))
    await _clock_stopped(unions, conn, event.complaint_id, "resolution")


async def on_breached(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintSlaBreached
) -> None:
    label = unions(event.union_id)
    count(lambda: metrics.SLA_BREACHES.labels(label, event.priority.value, event.clock).inc())


async def on_reopened(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintReopened
) -> None:
    label = unions(event.union_id)
    count(lambda: metrics.COMPLAINTS_REOPENED.labels(label).inc())


async def on_rated(unions: UnionLabels, conn: asyncpg.Connection, event: FeedbackRated) -> None:
    if event.revision == 1:  # a revision replaces the rating; count each worker once
        label = unions(event.union_id)
        count(lambda: metrics.RATING_SCORE.labels(label).observe(event.score))
        count(lambda: metrics.RATINGS_FIXED.labels(label, event.fixed).inc())


async def _clock_stopped(
    unions: UnionLabels, conn: asyncpg.Connection, complaint_id: Any, clock: Clock
) -> None:
    """Count the stopped clock as met or breached; publish its breach if it was late."""
    await _count_stopped(unions, conn, complaint_id, clock)
    await clocks.check_breaches(conn, complaint_id, _now(), stopped_only=True)


async def _count_stopped(
    unions: UnionLabels, conn: asyncpg.Connection, complaint_id: Any, clock: Clock
) -> None:
    complaint = await store.complaint(conn, complaint_id)
    assert complaint is not None
    if complaint["priority"] is None:
        return  # no target yet; the triage handler checks the clocks when it comes
    policy = await clocks.policy_of(conn, complaint["union_id"])
    pauses = await clocks.pauses_of(conn, complaint_id)
    result = clocks.verdict(policy, complaint, clock, pauses, _now())
    if result.status in {"met", "breached"}:
        labels = (unions(complaint["union_id"]), complaint["priority"], clock, result.status)
        count(lambda: metrics.SLA_CLOCKS_STOPPED.labels(*labels).inc())


async def _count_reopened_round(
    unions: UnionLabels, conn: asyncpg.Connection, event: ComplaintResolved
) -> None:
    """A resolution the worker reopened before this handler ran: its round is over, and
    the API published its breach if it was late; count it as met or breached from that."""
    complaint = await store.complaint(conn, event.complaint_id)
    assert complaint is not None
    if complaint["priority"] is None:
        return
    breached = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM sla_breaches WHERE complaint_id = $1"
        " AND clock = 'resolution' AND round = $2)",
        event.complaint_id,
        event.round,
    )
    labels = (
        unions(complaint["union_id"]),
        complaint["priority"],
        "resolution",
        "breached" if breached else "met",
    )
    count(lambda: metrics.SLA_CLOCKS_STOPPED.labels(*labels).inc())


async def _observe_clock(
    conn: asyncpg.Connection,
    complaint_id: Any,
    column: str,
    at: datetime,
    observe: Callable[[dict[str, Any], float], None],
) -> bool:
    """Stop one of the complaint's clocks the first time, and observe how long it ran.

    True when this event stopped it.
    """
    complaint = await store.lock_complaint(conn, complaint_id)
    if complaint is None:
        raise NotReady(f"complaint {complaint_id} not known to feedback yet")
    if complaint[column] is not None:
        return False
    await store.set_time(conn, complaint_id, column, at)
    took = _seconds(complaint["submitted_at"], at)
    count(lambda: observe(complaint, took))
    return True


def _now() -> datetime:
    return datetime.now(UTC)


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())
