"""Recommend's consumers: answer each triaged complaint, grow the case base from resolutions."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

import asyncpg
import numpy as np
import structlog

from schemas.envelope import derived_event_id
from schemas.events import (
    ComplaintRecategorized,
    ComplaintRecommended,
    ComplaintResolved,
    ComplaintSubmitted,
    ComplaintTriaged,
    RecommendedAction,
    RelatedComplaint,
    SimilarCase,
    UnionRegistered,
)
from schemas.topics import (
    COMPLAINT_RECATEGORIZED,
    COMPLAINT_RESOLVED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    UNION_REGISTERED,
)
from services.recommend.cases import ResolvedCase
from services.recommend.models import Complaint, Recommendation
from services.recommend.playbook import DEFAULT_PLAYBOOK, URGENT_ACTIONS, Playbook
from services.recommend.related import collective_action, find_related
from services.recommend.retrieval import PgCaseIndex, open_case_search_pool
from services.recommend.service import recommend
from services.recommend.store import (
    CaseSource,
    recategorize_complaint,
    remember_submitted,
    remember_triaged,
    set_union_sharing,
    submitted_union,
    triaged_complaint,
    upsert_case,
)
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery, NotReady
from services.runtime.outbox import enqueue, first_time, replay

log = structlog.get_logger(__name__)

CONSUMER = "recommend"
# Complaints answered at once from one poll. An answer is mostly waiting on PostgreSQL (four
# case searches, then one transaction), so overlapping a few keeps the database busy instead of
# idle between one complaint's round trips; more than the pool's connections would only queue.
ANSWER_CONCURRENCY = 4
# Connections of the case-search pool: a complaint's two searches run at the same time.
SEARCH_CONNECTIONS = 2 * ANSWER_CONCURRENCY
# The largest poll taken at once: a backlog is worked through in polls of this size.
ANSWER_POLL = 32
# The cases' own events (unions, corrections, resolutions) are read apart from the triaged
# stream, so that stream can be taken a poll at a time.
CASES_GROUP = "cases"

SOURCE = "recommend"


def register(runtime: ServiceRuntime, playbook: Playbook = DEFAULT_PLAYBOOK) -> None:
    bus = runtime.bus
    # One consumer for both, submissions first: a poll notes a complaint's submission before
    # its triage is answered, so the check in `_check_submitted` rarely has to wait.
    bus.subscribe_batch(
        COMPLAINT_SUBMITTED, partial(on_submitted_poll, runtime), max_records=ANSWER_POLL
    )
    indexes = CaseIndexes(runtime)
    runtime.on_start(indexes.open)
    runtime.after_stop(indexes.close)
    bus.subscribe_batch(
        COMPLAINT_TRIAGED,
        partial(on_triaged_poll, runtime, playbook, indexes),
        max_records=ANSWER_POLL,
    )
    bus.subscribe(UNION_REGISTERED, partial(on_union, runtime), group=CASES_GROUP, background=True)
    bus.subscribe(
        COMPLAINT_RECATEGORIZED,
        partial(on_recategorized, runtime),
        group=CASES_GROUP,
        background=True,
    )
    bus.subscribe(
        COMPLAINT_RESOLVED, partial(on_resolved, runtime), group=CASES_GROUP, background=True
    )


async def on_union(runtime: ServiceRuntime, event: UnionRegistered, delivery: Delivery) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        if await first_time(conn, CONSUMER, delivery.event_id):
            await set_union_sharing(conn, event.union_id, event.share_cases)


class CaseIndexes:
    """One case index per embedding version, kept while the service runs: an index asks the
    database once what pgvector supports, not once per complaint. The indexes share a pool of
    connections set up for case searches, open while the service runs."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime  # its pool opens when the service starts, after registration
        self._search_pool: asyncpg.Pool | None = None
        self._by_version: dict[str, PgCaseIndex] = {}

    async def open(self, runtime: ServiceRuntime) -> None:
        self._search_pool = await open_case_search_pool(
            runtime.settings.database_url, max_size=SEARCH_CONNECTIONS
        )

    async def close(self, runtime: ServiceRuntime) -> None:
        if self._search_pool is not None:
            await self._search_pool.close()
            self._search_pool = None

    def of(self, embedding_version: str) -> PgCaseIndex:
        pool, search_pool = self.runtime.pool, self._search_pool
        index = self._by_version.get(embedding_version)
        # A restarted service has new pools.
        if index is None or index.pool is not pool or index.search_pool is not search_pool:
            index = PgCaseIndex(pool, embedding_version, search_pool=search_pool)
            self._by_version[embedding_version] = index
        return index


async def on_triaged(
    runtime: ServiceRuntime,
    playbook: Playbook,
    indexes: CaseIndexes,
    event: ComplaintTriaged,
    delivery: Delivery,
) -> None:
    answer_id = derived_event_id(event.complaint_id, "recommended", delivery.event_id)
    index = indexes.of(event.embedding_version)
    vector = np.asarray(event.embedding, dtype=np.float32)
    recommendation = await recommend(
        _complaint(event),
        index,
        vector=vector,
        embedding_version=event.embedding_version,
        playbook=playbook,
    )
    async with runtime.pool.acquire() as conn, conn.transaction():
        if not await first_time(conn, CONSUMER, delivery.event_id):
            # Seen before: the broker may have lost our answer, so send it again.
            await replay(conn, answer_id)
            return
        await _check_submitted(conn, event)
        await remember_triaged(conn, event, answer_id)
        related = await find_related(
            conn,
            complaint_id=event.complaint_id,
            union_id=event.union_id,
            workplace=event.workplace,
            category=event.category.value,
            submitted_at=event.submitted_at,
            vector=vector,
            embedding_version=event.embedding_version,
        )
        await enqueue(
            conn,
            _event(event, recommendation, related),
            source=SOURCE,
            event_id=answer_id,
            correlation_id=delivery.correlation_id,
        )


async def on_recategorized(
    runtime: ServiceRuntime, event: ComplaintRecategorized, delivery: Delivery
) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        if await first_time(conn, CONSUMER, delivery.event_id):
            await recategorize_complaint(conn, event)


async def on_resolved(
    runtime: ServiceRuntime, event: ComplaintResolved, delivery: Delivery
) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        if await first_time(conn, CONSUMER, delivery.event_id):
            await _add_case(conn, event)


async def on_submitted_poll(
    runtime: ServiceRuntime, items: list[tuple[ComplaintSubmitted, Delivery]]
) -> None:
    await remember_submitted(runtime.pool, [(e.complaint_id, e.union_id) for e, _ in items])


async def on_triaged_poll(
    runtime: ServiceRuntime,
    playbook: Playbook,
    indexes: CaseIndexes,
    items: list[tuple[ComplaintTriaged, Delivery]],
) -> None:
    await answer_concurrently(items, partial(on_triaged, runtime, playbook, indexes))


async def answer_concurrently(
    items: list[tuple[ComplaintTriaged, Delivery]],
    answer: Callable[[ComplaintTriaged, Delivery], Awaitable[None]],
) -> None:
    """Answer a poll's complaints `ANSWER_CONCURRENCY` at a time, the most urgent first; one
    complaint's events (a re-triage after a correction) in the order they came.

    Every other complaint is answered before the first failure is raised: the kit then retries the
    poll, and complaints already answered are recognised as seen (their answer is replayed).
    """
    by_complaint: dict[UUID, list[tuple[ComplaintTriaged, Delivery]]] = defaultdict(list)
    for event, delivery in items:
        by_complaint[event.complaint_id].append((event, delivery))
    # Behind a backlog a poll is full: a P1 at its end would wait for the P3s before it. Its
    # answer is enqueued, and the relay sends it, as soon as it is ready.
    chains = deque(
        sorted(by_complaint.values(), key=lambda events: min(e.priority for e, _ in events))
    )
    failures: list[BaseException] = []

    async def answer_chains() -> None:
        while chains:
            for event, delivery in chains.popleft():
                try:
                    await answer(event, delivery)
                except Exception as exc:  # the complaint's later events must wait for it
                    failures.append(exc)
                    break

    await asyncio.gather(*(answer_chains() for _ in range(ANSWER_CONCURRENCY)))
    if failures:
        raise failures[0]


def _complaint(event: ComplaintTriaged) -> Complaint:
    return Complaint(
        complaint_id=str(event.complaint_id),
        union_id=event.union_id,
        text=event.text,
        sector=event.sector,
        category=event.category,
        secondary=tuple(event.secondary),
        tags=frozenset(event.tags),
        priority=event.priority,
        submitted_on=event.submitted_at.date(),
        occurred_on=event.occurred_on,
    )


def _event(
    triaged: ComplaintTriaged, recommendation: Recommendation, related: list[RelatedComplaint]
) -> ComplaintRecommended:
    actions = [
        RecommendedAction(
            action=a.action,
            label=a.label,
            score=a.score,
            rationale=a.rationale,
            evidence_to_collect=a.evidence_to_collect,
            legal_basis=a.legal_basis,
            deadline=a.deadline.describe() if a.deadline else None,
            supporting_cases=a.supporting_cases,
        )
        for a in recommendation.actions
    ]
    collective = collective_action(related, triaged.workplace or "")
    if collective is not None:
        actions = _with_collective(actions, collective)
    return ComplaintRecommended(
        complaint_id=triaged.complaint_id,
        union_id=triaged.union_id,
        actions=actions,
        related_complaints=related,
        collective_case_suggested=collective is not None,
        similar_cases=[
            SimilarCase(
                case_id=c.case_id,
                similarity=c.similarity,
                category=c.category,
                outcome=c.outcome,
                shared_by_other_union=not c.own,
            )
            for c in recommendation.similar_cases
        ],
        embedding_version=triaged.embedding_version,
        recommended_at=datetime.now(UTC),
    )


def _with_collective(
    actions: list[RecommendedAction], collective: RecommendedAction
) -> list[RecommendedAction]:
    """The collective case first, after any urgent step: a P1's safety still comes first."""
    rest = [a for a in actions if a.action != collective.action]
    urgent = 0
    while urgent < len(rest) and rest[urgent].action in URGENT_ACTIONS:
        urgent += 1
    return [*rest[:urgent], collective, *rest[urgent:]]


async def _check_submitted(conn: asyncpg.Connection, event: ComplaintTriaged) -> None:
    """Answer only complaints intake accepted, for their own union.

    A triage that overtook its submission waits for it; one for a complaint never submitted (a
    stray or forged event) waits until the kit's patience runs out and is dead-lettered.
    """
    union_id = await submitted_union(conn, event.complaint_id)
    if union_id is None:
        raise NotReady(f"complaint {event.complaint_id} not submitted to recommend (yet)")
    if union_id != event.union_id:
        raise ValueError("the triage names another union than the complaint's")


async def _add_case(conn: asyncpg.Connection, event: ComplaintResolved) -> None:
    row = await triaged_complaint(conn, event.complaint_id)
    if row is None:
        log.warning("resolved_complaint_never_triaged_here")
        return
    case = ResolvedCase(
        case_id=f"complaint-{event.complaint_id}",
        sector=row["sector"],
        union=event.union_id,
        text=row["text"],
        category=row["category"],
        tags=row["tags"],
        actions_taken=event.actions_taken,
        outcome=event.outcome,
        resolution_note=event.resolution_note,
        days_to_resolve=round(event.days_to_resolve),
        workplace=row["workplace"],
        resolved_at=event.resolved_at,
    )
    result = await upsert_case(
        conn,
        case,
        vector=row["embedding"],
        embedding_version=row["embedding_version"],
        source=CaseSource.RESOLVED,
    )
    log.info("case_added", case_id=case.case_id, result=result.value)
