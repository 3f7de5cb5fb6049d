"""Feedback's HTTP API: officers respond, resolve and correct; workers rate.

Every change is written with its event in one transaction (outbox); the metrics and the other
services learn of it from the event.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import ConfigDict, Field, model_validator

from schemas.clean import NoControlCharacters
from schemas.events import (
    MAX_TEXT_CHARS,
    ComplaintRecategorized,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    FeedbackRated,
    Reason,
    WorkerReplied,
)
from schemas.masking import mask_named
from schemas.vocabulary import Action, Category, Outcome, Priority, Tag
from services.feedback import clocks, sla, stats, store
from services.feedback.responses import (
    ClockView,
    ComplaintClocks,
    ComplaintSla,
    Rated,
    Recategorized,
    Reopened,
    Replied,
    Resolved,
    ResponseRecorded,
    SlaClock,
    UnionClocks,
)
from services.feedback.settings import FeedbackSettings
from services.runtime.auth import UnionKeys, open_for_worker, unknown_tracking_code
from services.runtime.businesstime import Pause
from services.runtime.http import ServiceRuntime, current_runtime
from services.runtime.outbox import enqueue

SOURCE = "feedback"
HOUR = timedelta(hours=1)
# Ratings at or below this score must say why: that is what a union learns from.
LOW_SCORE = 2

officers = APIRouter(prefix="/v1/complaints", tags=["officers"])
workers = APIRouter(prefix="/v1/track", tags=["workers"])
statistics = APIRouter(prefix="/v1/unions", tags=["statistics"])
federations = APIRouter(prefix="/v1/federations", tags=["statistics"])


class ResponseRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    message: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    waiting_on_worker: bool = Field(
        default=False,
        description="the message asks the worker something: the SLA clocks pause until the"
        " worker replies (POST /v1/track/{code}/reply)",
    )


class ResolutionRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    outcome: Outcome
    actions_taken: list[Action] = Field(min_length=1)
    resolution_note: str = Field(default="", max_length=MAX_TEXT_CHARS)


class CategoryRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    category: Category
    secondary: list[Category] = Field(default=[], max_length=2)
    tags: list[Tag] | None = None
    priority: Priority | None = Field(
        default=None, description="a corrected priority; the SLA clocks follow it"
    )


class ReopenRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1, max_length=64)
    reasons: list[Reason] = Field(min_length=1, max_length=10, description="why it is not fixed")
    comment: str | None = Field(default=None, max_length=2000)


class ReplyRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1, max_length=64)
    message: str = Field(min_length=1, max_length=2000)


class SlaSettingsRequest(NoControlCharacters):
    """Only the settings given change; the others keep their current (or default) values."""

    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    timezone: str | None = Field(default=None, examples=["Asia/Jakarta"])
    workdays: str | None = Field(default=None, examples=["mon-fri", "mon-sat"])
    hours: str | None = Field(default=None, examples=["08:00-17:00"])
    national_holidays: bool | None = None
    extra_holidays: list[date] | None = Field(default=None, description="cuti bersama etc.")
    around_the_clock: list[str] | None = Field(default=None, examples=[["P1"]])
    targets: dict[str, dict[str, str]] | None = Field(
        default=None, examples=[{"first_response": {"P2": "2d"}, "resolution": {"P3": "40h"}}]
    )


class RatingRequest(NoControlCharacters):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1, max_length=64)
    score: int = Field(ge=1, le=5)
    fixed: Literal["fixed", "partly", "not_fixed"]
    reasons: list[Reason] = Field(default=[], max_length=10)
    comment: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def low_scores_need_reasons(self) -> RatingRequest:
        if self.score <= LOW_SCORE and not self.reasons:
            raise ValueError(f"a score of {LOW_SCORE} or less needs at least one reason")
        return self


Runtime = Annotated[ServiceRuntime, Depends(current_runtime)]


Union = Annotated[str, Depends(UnionKeys())]


def _not_found() -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        "no such complaint for this union (or it has not reached feedback yet)",
    )


def _without_name(complaint: dict[str, Any], text: str, runtime: ServiceRuntime) -> str:
    """What an officer or the worker wrote, as published: the worker's name masked (the event
    types mask phones, e-mails and NIKs themselves). Stored and shown to the union unmasked."""
    return mask_named(text, complaint["name_keys"], runtime.settings.tracking_key)


def _owned(complaint: dict[str, Any] | None, union_id: str) -> dict[str, Any]:
    if complaint is None or complaint["union_id"] != union_id:
        raise _not_found()
    return complaint


async def _workers_complaint(
    runtime: ServiceRuntime, request: Request, code: str, secret: str
) -> dict[str, Any]:
    """The complaint of a tracking code, for the worker holding its secret and never for an
    officer; 404 alike for an unknown code and a wrong secret."""
    code = await open_for_worker(request, code, secret)
    found = await store.complaint_by_tracking_code(runtime.pool, code)
    if found is None:
        raise unknown_tracking_code()
    return found


@officers.post("/{complaint_id}/responses", status_code=201)
async def respond(
    complaint_id: UUID, body: ResponseRequest, union_id: Union, runtime: Runtime
) -> ResponseRecorded:
    now = datetime.now(UTC)
    response_id = uuid.uuid4()
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = _owned(await store.lock_complaint(conn, complaint_id), union_id)
        first = await store.insert_response(
            conn, response_id, complaint_id, body.officer, body.message, now
        )
        if body.waiting_on_worker:
            await clocks.start_pause(conn, complaint_id, now)
        else:
            # The union is acting again (say the worker answered by phone): the clocks run.
            await clocks.end_pause(conn, complaint_id, now)
        event = ComplaintResponded(
            complaint_id=complaint_id,
            union_id=union_id,
            response_id=response_id,
            officer=body.officer,
            message=_without_name(complaint, body.message, runtime),
            first_response=first,
            responded_at=now,
            waiting_on_worker=body.waiting_on_worker,
        )
        await enqueue(conn, event, source=SOURCE)
    return ResponseRecorded(
        response_id=response_id, first_response=first, waiting_on_worker=body.waiting_on_worker
    )


@officers.post("/{complaint_id}/resolution", status_code=201)
async def resolve(
    complaint_id: UUID, body: ResolutionRequest, union_id: Union, runtime: Runtime
) -> Resolved:
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = _owned(await store.lock_complaint(conn, complaint_id), union_id)
        if complaint["resolved_at"] is not None or complaint["outcome"] is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, "this complaint is already resolved")
        # resolved_at is set here, not only by the event's handler, so a reopening that comes
        # before the handler ran finds the complaint resolved.
        await store.set_resolved(conn, complaint_id, now, body.outcome.value)
        await clocks.end_pause(conn, complaint_id, now)
        # A late resolution's breach is published here, with it: the worker may reopen the
        # complaint before the resolved event's handler runs.
        await clocks.check_breaches(conn, complaint_id, now, stopped_only=True)
        started = complaint["reopened_at"] or complaint["submitted_at"]
        days = (now - started).total_seconds() / 86400
        event = ComplaintResolved(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=body.officer,
            outcome=body.outcome,
            actions_taken=body.actions_taken,
            resolution_note=_without_name(complaint, body.resolution_note, runtime),
            days_to_resolve=round(days, 3),
            resolved_at=now,
            round=complaint["reopen_count"],
        )
        await enqueue(conn, event, source=SOURCE)
    return Resolved(complaint_id=complaint_id, outcome=body.outcome)


@officers.post("/{complaint_id}/category", status_code=201)
async def recategorize(
    complaint_id: UUID, body: CategoryRequest, union_id: Union, runtime: Runtime
) -> Recategorized:
    if body.category in body.secondary:
        raise HTTPException(422, "the primary category cannot also be a secondary one")
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = _owned(await store.lock_complaint(conn, complaint_id), union_id)
        await conn.execute(
            "UPDATE complaints SET category = $2, priority = coalesce($3, priority)"
            " WHERE complaint_id = $1",
            complaint_id,
            body.category.value,
            body.priority.value if body.priority else None,
        )
        event = ComplaintRecategorized(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=body.officer,
            previous_category=complaint["category"],
            category=body.category,
            secondary=body.secondary,
            tags=body.tags,
            priority=body.priority,
            previous_priority=complaint["priority"],
            text=complaint["text"],
            sector=complaint["sector"],
            recategorized_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return Recategorized(
        complaint_id=complaint_id,
        category=body.category,
        priority=body.priority or complaint["priority"],
    )


@officers.get("/{complaint_id}/sla")
async def complaint_sla(complaint_id: UUID, union_id: Union, runtime: Runtime) -> ComplaintSla:
    """The complaint's two SLA clocks: target, deadline, working time used, status."""
    now = datetime.now(UTC)
    complaint = _owned(await store.complaint(runtime.pool, complaint_id), union_id)
    policy = await clocks.policy_of(runtime.pool, union_id)
    pauses = await clocks.pauses_of(runtime.pool, complaint_id)
    breached = await clocks.breaches_of(runtime.pool, complaint_id)
    views = {
        state.clock: SlaClock(
            status=state.verdict.status,
            round=state.span.round,
            started_at=state.span.started_at,
            stopped_at=state.span.stopped_at,
            target_hours=None if state.verdict.target is None else state.verdict.target / HOUR,
            deadline=state.verdict.deadline,
            working_hours_used=None
            if state.verdict.used is None
            else round(state.verdict.used / HOUR, 3),
            breach_published=state.breach_published,
        )
        for state in clocks.states(policy, complaint, pauses, breached, now)
    }
    return ComplaintSla(
        complaint_id=complaint_id,
        priority=complaint["priority"],
        reopen_count=complaint["reopen_count"],
        waiting_on_worker=clocks.waiting_on_worker(pauses),
        as_of=now,
        first_response=views["first_response"],
        resolution=views["resolution"],
    )


@workers.post("/{code}/rating", status_code=201)
async def rate(code: str, body: RatingRequest, runtime: Runtime, request: Request) -> Rated:
    """A worker rates how the union handled the complaint; a later rating revises it."""
    settings = runtime.settings
    assert isinstance(settings, FeedbackSettings)
    found = await _workers_complaint(runtime, request, code, body.secret)
    code = found["tracking_code"]
    now = datetime.now(UTC)
    window = timedelta(days=settings.rating_revision_days)
    async with runtime.pool.acquire() as conn, conn.transaction():
        previous = await store.current_rating(conn, found["complaint_id"])
        if previous is not None and now - previous["first_rated_at"] > window:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"ratings can be revised for {window.days} days only"
            )
        rating = FeedbackRated(
            complaint_id=found["complaint_id"],
            union_id=found["union_id"],
            score=body.score,
            fixed=body.fixed,
            reasons=[_without_name(found, r, runtime) for r in body.reasons],
            comment=body.comment and _without_name(found, body.comment, runtime),
            revision=1 if previous is None else previous["revision"] + 1,
            rated_at=now,
        )
        await store.save_rating(conn, rating, previous["first_rated_at"] if previous else now)
        await enqueue(conn, rating, source=SOURCE)
    return Rated(tracking_code=code, revision=rating.revision)


@workers.post("/{code}/reopen", status_code=201)
async def reopen(code: str, body: ReopenRequest, runtime: Runtime, request: Request) -> Reopened:
    """The worker says it is not fixed: a resolved complaint opens again, its resolution clock
    restarts (within `reopen_window_days` of the resolution)."""
    settings = runtime.settings
    assert isinstance(settings, FeedbackSettings)
    found = await _workers_complaint(runtime, request, code, body.secret)
    code = found["tracking_code"]
    now = datetime.now(UTC)
    window = timedelta(days=settings.reopen_window_days)
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = await store.lock_complaint(conn, found["complaint_id"])
        assert complaint is not None
        if complaint["outcome"] is None and complaint["resolved_at"] is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "this complaint is not resolved")
        resolved_at = complaint["resolved_at"] or now
        if now - resolved_at > window:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"a resolution can be reopened for {window.days} days only",
            )
        count = await store.reopen(conn, complaint["complaint_id"], now)
        event = ComplaintReopened(
            complaint_id=complaint["complaint_id"],
            union_id=complaint["union_id"],
            reasons=[_without_name(complaint, r, runtime) for r in body.reasons],
            comment=body.comment and _without_name(complaint, body.comment, runtime),
            previous_outcome=complaint["outcome"],
            reopen_count=count,
            reopened_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return Reopened(tracking_code=code, reopen_count=count, status="reopened")


@workers.post("/{code}/reply", status_code=201)
async def reply(code: str, body: ReplyRequest, runtime: Runtime, request: Request) -> Replied:
    """The worker answers the union; a clock paused for this reply runs again."""
    found = await _workers_complaint(runtime, request, code, body.secret)
    code = found["tracking_code"]
    now = datetime.now(UTC)
    reply_id = uuid.uuid4()
    async with runtime.pool.acquire() as conn, conn.transaction():
        await store.lock_complaint(conn, found["complaint_id"])
        await conn.execute(
            "INSERT INTO worker_replies (reply_id, complaint_id, message, replied_at)"
            " VALUES ($1, $2, $3, $4)",
            reply_id,
            found["complaint_id"],
            body.message,
            now,
        )
        resumed = await clocks.end_pause(conn, found["complaint_id"], now)
        event = WorkerReplied(
            complaint_id=found["complaint_id"],
            union_id=found["union_id"],
            message=_without_name(found, body.message, runtime),
            resumed=resumed,
            replied_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return Replied(tracking_code=code, resumed=resumed)


@statistics.get("/{union_id}/stats", response_model_exclude_none=True)
async def union_stats(
    union_id: str,
    caller: Union,
    runtime: Runtime,
    start: Annotated[date | None, Query(alias="from", description="first day (UTC)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, included")] = None,
) -> stats.UnionStatistics:
    """The union's own statistics for a period (default: the last 30 days).

    Groups of fewer than 5 complaints are reported as suppressed, never counted.
    """
    if union_id != caller:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no statistics for this union")
    period = _period(start, end)
    rows = await stats.fetch_complaints(runtime.pool, [union_id], period)
    policies = await clocks.policies_of(runtime.pool, [union_id])
    return stats.union_statistics(rows, union_id, period, policies=policies)


@federations.get("/{federation}/stats", response_model_exclude_none=True)
async def federation_stats(
    federation: str,
    caller: Union,
    runtime: Runtime,
    start: Annotated[date | None, Query(alias="from", description="first day (UTC)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, included")] = None,
) -> stats.FederationStatistics:
    """The statistics of the federation the calling union belongs to, for a period (default:
    the last 30 days), as `aduan stats --federation` shows them.

    Each member's volume, breaches and reopens are listed; a member with fewer than 5
    complaints is suppressed, and left out of the federation's figures when the suppressed
    members add up to fewer than 5 (so no subtraction gives them away).
    """
    members = [
        union_id
        for union_id, name in (await stats.union_federations(runtime.pool)).items()
        if name == federation
    ]
    # Another federation's statistics are answered exactly like an unknown federation's.
    if caller not in members:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no statistics for this federation")
    period = _period(start, end)
    rows = await stats.fetch_complaints(runtime.pool, members, period)
    policies = await clocks.policies_of(runtime.pool, members)
    return stats.federation_statistics(rows, federation, members, period, policies=policies)


def _period(start: date | None, end: date | None) -> stats.Period:
    try:
        return stats.Period.default(start, end)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@statistics.get("/{union_id}/clocks")
async def union_clocks(union_id: str, caller: Union, runtime: Runtime) -> UnionClocks:
    """The SLA clocks of each of the union's open (not resolved) complaints, oldest first:
    deadlines and states for its queue, judged as `GET /v1/complaints/{id}/sla` judges them."""
    if union_id != caller:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no clocks for this union")
    now = datetime.now(UTC)
    policy = await clocks.policy_of(runtime.pool, union_id)
    return UnionClocks(
        union_id=union_id,
        as_of=now,
        clocks=[
            _complaint_clocks(complaint, pauses, clocks.states(policy, complaint, pauses, b, now))
            for complaint, pauses, b in await clocks.open_complaints(runtime.pool, union_id)
        ],
    )


def _complaint_clocks(
    complaint: dict[str, Any], pauses: list[Pause], states: list[clocks.ClockState]
) -> ComplaintClocks:
    views = {
        state.clock: ClockView(
            status=state.verdict.status,
            breached=state.verdict.status == "breached",
            deadline=state.verdict.deadline,
            target_hours=None if state.verdict.target is None else state.verdict.target / HOUR,
            started_at=state.span.started_at,
            stopped_at=state.span.stopped_at,
            round=state.span.round,
            breach_published=state.breach_published,
        )
        for state in states
    }
    return ComplaintClocks(
        complaint_id=complaint["complaint_id"],
        tracking_code=complaint["tracking_code"],
        priority=complaint["priority"],
        reopen_count=complaint["reopen_count"],
        waiting_on_worker=clocks.waiting_on_worker(pauses),
        breached=any(view.breached for view in views.values()),
        first_response=views["first_response"],
        resolution=views["resolution"],
    )


@statistics.get("/{union_id}/sla")
async def sla_settings(union_id: str, caller: Union, runtime: Runtime) -> sla.PolicyDescription:
    """The union's SLA calendar and targets in force (the defaults where it set nothing)."""
    if union_id != caller:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no settings for this union")
    return (await clocks.policy_of(runtime.pool, union_id)).description()


@statistics.put("/{union_id}/sla")
async def change_sla_settings(
    union_id: str, body: SlaSettingsRequest, caller: Union, runtime: Runtime
) -> sla.PolicyDescription:
    """Change the union's calendar or targets; running clocks are judged by the new ones."""
    if union_id != caller:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no settings for this union")
    async with runtime.pool.acquire() as conn, conn.transaction():
        current = await clocks.policy_of(conn, union_id)
        try:
            policy = sla.changed(current, **body.model_dump(exclude={"officer"}))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        await clocks.save_policy(conn, union_id, sla.policy_to_row(policy), body.officer)
    return policy.description()
