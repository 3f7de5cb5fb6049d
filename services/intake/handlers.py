"""Intake's consumers: submissions from Kafka, and the downstream events that build the timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import structlog
from pydantic import ValidationError

from schemas.envelope import derived_event_id
from schemas.events import (
    ComplaintEvent,
    ComplaintReceived,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
    RejectionCode,
    RejectionReason,
)
from schemas.topics import (
    COMPLAINT_RECATEGORIZED,
    COMPLAINT_RECEIVED,
    COMPLAINT_RECOMMENDED,
    COMPLAINT_REOPENED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_SLA_BREACHED,
    COMPLAINT_TRIAGED,
    COMPLAINT_WORKER_REPLIED,
    FEEDBACK_RATED,
    Topic,
)
from services.intake import store
from services.intake.settings import IntakeSettings
from services.intake.submission import Rejected, accept
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery
from services.runtime.outbox import first_times

log = structlog.get_logger(__name__)

TIMELINE_CONSUMER = "intake.timeline"
# The downstream events are read by a consumer group of their own, apart from submissions: a
# busy timeline never delays a complaint arriving over Kafka, and a poll's events of one topic
# are applied in one transaction with one offset commit, instead of one of each per event.
TIMELINE_GROUP = "timeline"
TIMELINE_POLL = 64

# Which timeline entry and status each downstream event makes.
TIMELINE_TOPICS: dict[Topic, tuple[str, str | None]] = {
    COMPLAINT_TRIAGED: ("triaged", "triaged"),
    COMPLAINT_RECOMMENDED: ("recommended", "recommended"),
    COMPLAINT_RESPONDED: ("responded", "responded"),
    COMPLAINT_RECATEGORIZED: ("recategorized", None),
    COMPLAINT_RESOLVED: ("resolved", "resolved"),
    FEEDBACK_RATED: ("rated", "rated"),
    COMPLAINT_REOPENED: ("reopened", "reopened"),
    # Timeline entries only.
    COMPLAINT_WORKER_REPLIED: ("worker_replied", None),
    COMPLAINT_SLA_BREACHED: ("sla_breached", None),
}
# Entries that change how a complaint is judged: the queue's columns follow them.
JUDGING_KINDS = frozenset({"triaged", "recategorized"})


def register(runtime: ServiceRuntime[IntakeSettings]) -> None:
    bus = runtime.bus
    bus.subscribe(
        COMPLAINT_RECEIVED,
        partial(on_received, runtime),
        on_invalid=partial(on_invalid_received, runtime),
    )
    for topic, (kind, status) in TIMELINE_TOPICS.items():
        bus.subscribe_batch(
            topic,
            partial(on_timeline_events, runtime, kind, status),
            group=TIMELINE_GROUP,
            max_records=TIMELINE_POLL,
            background=True,
        )


async def on_received(
    runtime: ServiceRuntime[IntakeSettings], event: ComplaintReceived, delivery: Delivery
) -> None:
    try:
        accepted = await accept(runtime, event, correlation_id=delivery.correlation_id)
    except Rejected as rejection:
        await _reject(
            runtime,
            delivery,
            event.union_id,
            event.idempotency_key,
            rejection.code,
            rejection.reasons,
        )
        return
    log.info(
        "complaint_accepted", complaint_id=str(accepted.complaint_id), created=accepted.created
    )


async def on_invalid_received(
    runtime: ServiceRuntime, body: bytes, exc: ValidationError, delivery: Delivery
) -> bool:
    raw = _loose_json(body)
    union_id = raw.get("union_id")
    if not isinstance(union_id, str):
        return False  # nobody to answer: the dead-letter topic keeps it for operators
    too_long = any(e["type"] == "string_too_long" for e in exc.errors())
    reasons = [
        RejectionReason(field=".".join(str(p) for p in e["loc"]) or None, message=e["msg"])
        for e in exc.errors()
    ]
    key = raw.get("idempotency_key")
    await _reject(
        runtime,
        delivery,
        union_id,
        key if isinstance(key, str) else None,
        "too_long" if too_long else "invalid",
        reasons,
    )
    return True


async def on_timeline_events(
    runtime: ServiceRuntime,
    kind: str,
    status: str | None,
    batch: list[tuple[ComplaintEvent, Delivery]],
) -> None:
    """Apply one poll's downstream events of one topic in one transaction, each step one
    statement for the whole poll."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        fresh = await first_times(conn, TIMELINE_CONSUMER, [d.event_id for _, d in batch])
        # Keyed by event id: an event delivered twice in one poll is one entry.
        entries = list({d.event_id: _entry(e, d) for e, d in batch if d.event_id in fresh}.values())
        added = await store.record_timeline(conn, kind, entries) if entries else []
        if added and kind in JUDGING_KINDS:
            await store.refresh_triage(conn, [e.complaint_id for e in added])
        if added and status is not None:
            await store.advance_status(conn, status, added)
    if len(added) < len(entries):
        # Their complaint is unknown here or another union's, or they repeat an entry word for
        # word under a new event id.
        log.warning("timeline_events_not_applied", kind=kind, events=len(entries) - len(added))


def _entry(event: ComplaintEvent, delivery: Delivery) -> store.TimelineEntry:
    return store.TimelineEntry(
        event_id=delivery.event_id,
        complaint_id=event.complaint_id,
        union_id=event.union_id,
        at=_event_time(event),
        body=_timeline_body(event),
        lifecycle_round=_round(event),
    )


def _round(event: ComplaintEvent) -> int | None:
    """Which round of the lifecycle the event belongs to, where it says (0 before reopening)."""
    if isinstance(event, ComplaintResolved):
        return event.round
    if isinstance(event, ComplaintReopened):
        return event.reopen_count
    return None


def _event_time(event: ComplaintEvent) -> datetime:
    for attr in (
        "triaged_at",
        "recommended_at",
        "responded_at",
        "recategorized_at",
        "resolved_at",
        "rated_at",
        "reopened_at",
        "replied_at",
        "detected_at",
    ):
        value = getattr(event, attr, None)
        if isinstance(value, datetime):
            return value
    return datetime.now(UTC)


def _timeline_body(event: ComplaintEvent) -> dict[str, Any]:
    # The vector and the repeated text add nothing an officer reads.
    exclude = {"complaint_id", "union_id", "embedding", "text"}
    body: dict[str, Any] = event.model_dump(mode="json", exclude=exclude)
    return body


def _loose_json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def _reject(
    runtime: ServiceRuntime,
    delivery: Delivery,
    union_id: str,
    idempotency_key: str | None,
    code: RejectionCode,
    reasons: list[RejectionReason],
) -> None:
    rejected = ComplaintRejected(
        union_id=union_id,
        idempotency_key=idempotency_key,
        received_event_id=delivery.event_id,
        code=code,
        reasons=reasons,
        rejected_at=datetime.now(UTC),
    )
    await runtime.bus.publish(
        rejected,
        event_id=derived_event_id(delivery.event_id, "rejected"),
        correlation_id=delivery.correlation_id,
    )
    log.info("submission_rejected", code=code, union_id=union_id)
