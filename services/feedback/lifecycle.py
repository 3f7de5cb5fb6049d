"""A complaint's lifecycle in feedback: officers respond, resolve and recategorize; the worker
rates, reopens and replies.

Each change locks the complaint, checks that its state allows the change, moves the SLA clocks
and writes its event to the outbox, all in one transaction; the metrics and the other services
learn of it from the event. Nothing here knows of HTTP: a change the complaint does not allow
raises a `LifecycleError` (`NotFound`, a `Conflict`, or `Invalid`), which the API answers with
404, 409 or 422 and the error's message.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import asyncpg

from schemas.events import (
    ComplaintRecategorized,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    FeedbackRated,
    WorkerReplied,
)
from schemas.masking import mask_named
from schemas.topics import topic_for
from schemas.vocabulary import Action, Category, Outcome, Priority, Tag
from services.feedback import clocks, store
from services.feedback.responses import (
    Rated,
    Recategorized,
    Reopened,
    Replied,
    Resolved,
    ResponseRecorded,
)
from services.runtime import audit
from services.runtime.outbox import enqueue

SOURCE = "feedback"
LifecycleEvent = (
    ComplaintResponded
    | ComplaintResolved
    | ComplaintRecategorized
    | FeedbackRated
    | ComplaintReopened
    | WorkerReplied
)
# What an action's audit entry keeps of its event: the decision, never the words (messages,
# notes, reasons and comments are the worker's or the officer's text).
AUDITED_FIELDS = frozenset(
    {"outcome", "actions_taken", "category", "secondary", "tags", "priority"}
    | {"previous_category", "previous_priority", "waiting_on_worker", "first_response"}
    | {"score", "fixed", "revision", "reopen_count", "resumed", "round"}
)

Fixed = Literal["fixed", "partly", "not_fixed"]


# -- what a change may run into -------------------------------------------------------------------


class LifecycleError(Exception):
    """A change the complaint does not allow; the message says why."""


class NotFound(LifecycleError):
    """No such complaint, or another union's: both read alike."""

    def __init__(self) -> None:
        super().__init__("no such complaint for this union (or it has not reached feedback yet)")


class Conflict(LifecycleError):
    """The complaint's state does not allow the change (now)."""


class AlreadyResolved(Conflict):
    def __init__(self) -> None:
        super().__init__("this complaint is already resolved")


class NotReopenable(Conflict):
    """Not resolved, or resolved longer ago than a reopening is allowed."""


class RatingClosed(Conflict):
    def __init__(self, window: timedelta) -> None:
        super().__init__(f"ratings can be revised for {window.days} days only")


class Invalid(LifecycleError):
    """The change contradicts itself."""


class PrimaryAlsoSecondary(Invalid):
    def __init__(self) -> None:
        super().__init__("the primary category cannot also be a secondary one")


# -- checks (no database) -------------------------------------------------------------------------


def owned(complaint: dict[str, Any] | None, union_id: str) -> dict[str, Any]:
    """The complaint, if it is the union's; `NotFound` otherwise."""
    if complaint is None or complaint["union_id"] != union_id:
        raise NotFound()
    return complaint


def check_resolvable(complaint: Mapping[str, Any]) -> None:
    if complaint["resolved_at"] is not None or complaint["outcome"] is not None:
        raise AlreadyResolved()


def check_categories(category: Category, secondary: list[Category]) -> None:
    if category in secondary:
        raise PrimaryAlsoSecondary()


def check_reopenable(complaint: Mapping[str, Any], now: datetime, window: timedelta) -> None:
    """A resolved complaint can be reopened within `window` of its resolution."""
    if complaint["outcome"] is None and complaint["resolved_at"] is None:
        raise NotReopenable("this complaint is not resolved")
    resolved_at = complaint["resolved_at"] or now
    if now - resolved_at > window:
        raise NotReopenable(f"a resolution can be reopened for {window.days} days only")


def check_revisable(previous: Mapping[str, Any] | None, now: datetime, window: timedelta) -> None:
    """A rating can be revised within `window` of the first one."""
    if previous is not None and now - previous["first_rated_at"] > window:
        raise RatingClosed(window)


def published(complaint: Mapping[str, Any], text: str, tracking_key: str) -> str:
    """What an officer or the worker wrote, as published: the worker's name masked (the event
    types mask phones, e-mails and NIKs themselves). Stored and shown to the union unmasked."""
    return mask_named(text, complaint["name_keys"], tracking_key)


# -- officers -------------------------------------------------------------------------------------


async def respond(
    pool: asyncpg.Pool,
    complaint_id: UUID,
    union_id: str,
    *,
    officer: str,
    message: str,
    waiting_on_worker: bool,
    tracking_key: str,
    client: str | None = None,
) -> ResponseRecorded:
    """An officer's response; asking the worker something pauses the clocks until they reply,
    any other response lets them run again."""
    now = datetime.now(UTC)
    response_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        complaint = owned(await store.lock_complaint(conn, complaint_id), union_id)
        first = await store.insert_response(conn, response_id, complaint_id, officer, message, now)
        if waiting_on_worker:
            await clocks.start_pause(conn, complaint_id, now)
        else:
            # The union is acting again (say the worker answered by phone): the clocks run.
            await clocks.end_pause(conn, complaint_id, now)
        event = ComplaintResponded(
            complaint_id=complaint_id,
            union_id=union_id,
            response_id=response_id,
            officer=officer,
            message=published(complaint, message, tracking_key),
            first_response=first,
            responded_at=now,
            waiting_on_worker=waiting_on_worker,
        )
        await _announce(conn, event, client)
    return ResponseRecorded(
        response_id=response_id, first_response=first, waiting_on_worker=waiting_on_worker
    )


async def resolve(
    pool: asyncpg.Pool,
    complaint_id: UUID,
    union_id: str,
    *,
    officer: str,
    outcome: Outcome,
    actions_taken: list[Action],
    resolution_note: str,
    tracking_key: str,
    client: str | None = None,
) -> Resolved:
    """The union resolves the complaint: its resolution clock stops (`AlreadyResolved` if it
    was)."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        complaint = owned(await store.lock_complaint(conn, complaint_id), union_id)
        check_resolvable(complaint)
        # resolved_at is set here, not only by the event's handler, so a reopening that comes
        # before the handler ran finds the complaint resolved.
        await store.set_resolved(conn, complaint_id, now, outcome.value)
        await clocks.end_pause(conn, complaint_id, now)
        # A late resolution's breach is published here, with it: the worker may reopen the
        # complaint before the resolved event's handler runs.
        await clocks.check_breaches(conn, complaint_id, now, stopped_only=True)
        started = complaint["reopened_at"] or complaint["submitted_at"]
        days = (now - started).total_seconds() / 86400
        event = ComplaintResolved(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=officer,
            outcome=outcome,
            actions_taken=actions_taken,
            resolution_note=published(complaint, resolution_note, tracking_key),
            days_to_resolve=round(days, 3),
            resolved_at=now,
            round=complaint["reopen_count"],
        )
        await _announce(conn, event, client)
    return Resolved(complaint_id=complaint_id, outcome=outcome)


async def recategorize(
    pool: asyncpg.Pool,
    complaint_id: UUID,
    union_id: str,
    *,
    officer: str,
    category: Category,
    secondary: list[Category],
    tags: list[Tag] | None,
    priority: Priority | None,
    client: str | None = None,
) -> Recategorized:
    """An officer corrects the category (and the priority: the SLA clocks follow it)."""
    check_categories(category, secondary)
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        complaint = owned(await store.lock_complaint(conn, complaint_id), union_id)
        await conn.execute(
            "UPDATE complaints SET category = $2, priority = coalesce($3, priority)"
            " WHERE complaint_id = $1",
            complaint_id,
            category.value,
            priority.value if priority else None,
        )
        event = ComplaintRecategorized(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=officer,
            previous_category=complaint["category"],
            category=category,
            secondary=secondary,
            tags=tags,
            priority=priority,
            previous_priority=complaint["priority"],
            text=complaint["text"],
            sector=complaint["sector"],
            recategorized_at=now,
        )
        await _announce(conn, event, client)
    return Recategorized(
        complaint_id=complaint_id,
        category=category,
        priority=priority or complaint["priority"],
    )


# -- workers (their complaint found by tracking code and secret) ----------------------------------


async def rate(
    pool: asyncpg.Pool,
    found: dict[str, Any],
    *,
    score: int,
    fixed: Fixed,
    reasons: list[str],
    comment: str | None,
    revision_window: timedelta,
    tracking_key: str,
) -> Rated:
    """The worker rates how the union handled the complaint; a later rating revises it (within
    `revision_window` of the first, `RatingClosed` after)."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        previous = await store.current_rating(conn, found["complaint_id"])
        check_revisable(previous, now, revision_window)
        rating = FeedbackRated(
            complaint_id=found["complaint_id"],
            union_id=found["union_id"],
            score=score,
            fixed=fixed,
            reasons=[published(found, r, tracking_key) for r in reasons],
            comment=comment and published(found, comment, tracking_key),
            revision=1 if previous is None else previous["revision"] + 1,
            rated_at=now,
        )
        await store.save_rating(conn, rating, previous["first_rated_at"] if previous else now)
        await _announce(conn, rating, client=None)
    return Rated(tracking_code=found["tracking_code"], revision=rating.revision)


async def reopen(
    pool: asyncpg.Pool,
    found: dict[str, Any],
    *,
    reasons: list[str],
    comment: str | None,
    window: timedelta,
    tracking_key: str,
) -> Reopened:
    """The worker says it is not fixed: a resolved complaint opens again, its resolution clock
    restarts (within `window` of the resolution, `NotReopenable` otherwise)."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        complaint = await store.lock_complaint(conn, found["complaint_id"])
        assert complaint is not None
        check_reopenable(complaint, now, window)
        count = await store.reopen(conn, complaint["complaint_id"], now)
        event = ComplaintReopened(
            complaint_id=complaint["complaint_id"],
            union_id=complaint["union_id"],
            reasons=[published(complaint, r, tracking_key) for r in reasons],
            comment=comment and published(complaint, comment, tracking_key),
            previous_outcome=complaint["outcome"],
            reopen_count=count,
            reopened_at=now,
        )
        await _announce(conn, event, client=None)
    return Reopened(tracking_code=found["tracking_code"], reopen_count=count, status="reopened")


async def reply(
    pool: asyncpg.Pool, found: dict[str, Any], *, message: str, tracking_key: str
) -> Replied:
    """The worker answers the union; a clock paused for this reply runs again."""
    now = datetime.now(UTC)
    reply_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_complaint(conn, found["complaint_id"])
        await conn.execute(
            "INSERT INTO worker_replies (reply_id, complaint_id, message, replied_at)"
            " VALUES ($1, $2, $3, $4)",
            reply_id,
            found["complaint_id"],
            message,
            now,
        )
        resumed = await clocks.end_pause(conn, found["complaint_id"], now)
        event = WorkerReplied(
            complaint_id=found["complaint_id"],
            union_id=found["union_id"],
            message=published(found, message, tracking_key),
            resumed=resumed,
            replied_at=now,
        )
        await _announce(conn, event, client=None)
    return Replied(tracking_code=found["tracking_code"], resumed=resumed)


async def _announce(conn: asyncpg.Connection, event: LifecycleEvent, client: str | None) -> None:
    """Publish an action's event (outbox) and record it in the audit log, in its transaction:
    the officer named by the frontend and the caller's address, or the worker holding the
    tracking secret, whose address is never kept (it could name an anonymous worker)."""
    await enqueue(conn, event, source=SOURCE)
    await audit.record(
        conn,
        topic_for(event).event_type,
        event.union_id,
        complaint_id=event.complaint_id,
        actor=getattr(event, "officer", None) or "worker",
        client=client,
        details=event.model_dump(mode="json", include=set(AUDITED_FIELDS)),
    )
