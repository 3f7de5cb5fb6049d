"""Feedback's HTTP API: officers respond, resolve and correct; workers rate.

The routes parse and authorise; the changes themselves, each written with its event in one
transaction (outbox), are the complaint's lifecycle (`lifecycle.py`). The metrics and the other
services learn of them from the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import ConfigDict, Field, model_validator

from schemas.clean import NoControlCharacters
from schemas.events import MAX_TEXT_CHARS, Reason
from schemas.vocabulary import Action, Category, Outcome, Priority, Tag
from services.feedback import clocks, lifecycle, sla, stats, store
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
from services.runtime import audit
from services.runtime.auth import UnionKeys, open_for_worker, unknown_tracking_code
from services.runtime.businesstime import Pause
from services.runtime.http import ServiceRuntime, current_runtime
from services.runtime.throttle import client_address

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


Runtime = Annotated[ServiceRuntime[FeedbackSettings], Depends(current_runtime)]


Union = Annotated[str, Depends(UnionKeys())]


@contextmanager
def _answered() -> Iterator[None]:
    """The lifecycle's refusals as HTTP answers: 404, 409 or 422, with the refusal's message."""
    try:
        yield
    except lifecycle.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except lifecycle.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except lifecycle.Invalid as exc:
        raise HTTPException(422, str(exc)) from exc


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
    complaint_id: UUID, body: ResponseRequest, union_id: Union, runtime: Runtime, request: Request
) -> ResponseRecorded:
    with _answered():
        return await lifecycle.respond(
            runtime.pool,
            complaint_id,
            union_id,
            officer=body.officer,
            message=body.message,
            waiting_on_worker=body.waiting_on_worker,
            tracking_key=runtime.settings.tracking_key,
            client=client_address(request),
        )


@officers.post("/{complaint_id}/resolution", status_code=201)
async def resolve(
    complaint_id: UUID, body: ResolutionRequest, union_id: Union, runtime: Runtime, request: Request
) -> Resolved:
    with _answered():
        return await lifecycle.resolve(
            runtime.pool,
            complaint_id,
            union_id,
            officer=body.officer,
            outcome=body.outcome,
            actions_taken=body.actions_taken,
            resolution_note=body.resolution_note,
            tracking_key=runtime.settings.tracking_key,
            client=client_address(request),
        )


@officers.post("/{complaint_id}/category", status_code=201)
async def recategorize(
    complaint_id: UUID, body: CategoryRequest, union_id: Union, runtime: Runtime, request: Request
) -> Recategorized:
    with _answered():
        return await lifecycle.recategorize(
            runtime.pool,
            complaint_id,
            union_id,
            officer=body.officer,
            category=body.category,
            secondary=body.secondary,
            tags=body.tags,
            priority=body.priority,
            client=client_address(request),
        )


@officers.get("/{complaint_id}/sla")
async def complaint_sla(complaint_id: UUID, union_id: Union, runtime: Runtime) -> ComplaintSla:
    """The complaint's two SLA clocks: target, deadline, working time used, status."""
    now = datetime.now(UTC)
    with _answered():
        complaint = lifecycle.owned(await store.complaint(runtime.pool, complaint_id), union_id)
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
    found = await _workers_complaint(runtime, request, code, body.secret)
    with _answered():
        return await lifecycle.rate(
            runtime.pool,
            found,
            score=body.score,
            fixed=body.fixed,
            reasons=body.reasons,
            comment=body.comment,
            revision_window=timedelta(days=settings.rating_revision_days),
            tracking_key=settings.tracking_key,
        )


@workers.post("/{code}/reopen", status_code=201)
async def reopen(code: str, body: ReopenRequest, runtime: Runtime, request: Request) -> Reopened:
    """The worker says it is not fixed: a resolved complaint opens again, its resolution clock
    restarts (within `reopen_window_days` of the resolution)."""
    settings = runtime.settings
    found = await _workers_complaint(runtime, request, code, body.secret)
    with _answered():
        return await lifecycle.reopen(
            runtime.pool,
            found,
            reasons=body.reasons,
            comment=body.comment,
            window=timedelta(days=settings.reopen_window_days),
            tracking_key=settings.tracking_key,
        )


@workers.post("/{code}/reply", status_code=201)
async def reply(code: str, body: ReplyRequest, runtime: Runtime, request: Request) -> Replied:
    """The worker answers the union; a clock paused for this reply runs again."""
    found = await _workers_complaint(runtime, request, code, body.secret)
    with _answered():
        return await lifecycle.reply(
            runtime.pool,
            found,
            message=body.message,
            tracking_key=runtime.settings.tracking_key,
        )


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
    union_id: str, body: SlaSettingsRequest, caller: Union, runtime: Runtime, request: Request
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
        await audit.record(
            conn,
            "sla_changed",
            union_id,
            actor=body.officer,
            client=client_address(request),
            details=body.model_dump(mode="json", exclude={"officer"}, exclude_none=True),
        )
    return policy.description()
