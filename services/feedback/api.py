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
from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.events import (
    MAX_TEXT_CHARS,
    ComplaintRecategorized,
    ComplaintResolved,
    ComplaintResponded,
    FeedbackRated,
)
from schemas.vocabulary import Action, Category, Outcome, Tag
from services.feedback import stats, store
from services.feedback.settings import FeedbackSettings
from services.runtime.auth import presented_key_hash, unknown_key
from services.runtime.http import ServiceRuntime, runtime_of
from services.runtime.outbox import enqueue
from services.runtime.tokens import normalise_tracking_code, tracking_secret_matches

SOURCE = "feedback"
# Ratings at or below this score must say why: that is what a union learns from.
LOW_SCORE = 2

officers = APIRouter(prefix="/v1/complaints", tags=["officers"])
workers = APIRouter(prefix="/v1/track", tags=["workers"])
statistics = APIRouter(prefix="/v1/unions", tags=["statistics"])


class ResponseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    message: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class ResolutionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    outcome: Outcome
    actions_taken: list[Action] = Field(min_length=1)
    resolution_note: str = Field(default="", max_length=MAX_TEXT_CHARS)


class CategoryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120)
    category: Category
    secondary: list[Category] = Field(default=[], max_length=2)
    tags: list[Tag] | None = None


class RatingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1, max_length=64)
    score: int = Field(ge=1, le=5)
    fixed: Literal["fixed", "partly", "not_fixed"]
    reasons: list[str] = Field(default=[], max_length=10)
    comment: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def low_scores_need_reasons(self) -> RatingRequest:
        if self.score <= LOW_SCORE and not self.reasons:
            raise ValueError(f"a score of {LOW_SCORE} or less needs at least one reason")
        return self


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


async def calling_union(request: Request) -> str:
    union_id = await store.union_for_key_hash(runtime_of(request).pool, presented_key_hash(request))
    if union_id is None:
        raise unknown_key()
    return union_id


Union = Annotated[str, Depends(calling_union)]


def _not_found() -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        "no such complaint for this union (or it has not reached feedback yet)",
    )


def _owned(complaint: dict[str, Any] | None, union_id: str) -> dict[str, Any]:
    if complaint is None or complaint["union_id"] != union_id:
        raise _not_found()
    return complaint


@officers.post("/{complaint_id}/responses", status_code=201)
async def respond(
    complaint_id: UUID, body: ResponseRequest, union_id: Union, runtime: Runtime
) -> dict[str, Any]:
    now = datetime.now(UTC)
    response_id = uuid.uuid4()
    async with runtime.pool.acquire() as conn, conn.transaction():
        _owned(await store.lock_complaint(conn, complaint_id), union_id)
        first = await store.insert_response(
            conn, response_id, complaint_id, body.officer, body.message, now
        )
        event = ComplaintResponded(
            complaint_id=complaint_id,
            union_id=union_id,
            response_id=response_id,
            officer=body.officer,
            message=body.message,
            first_response=first,
            responded_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return {"response_id": str(response_id), "first_response": first}


@officers.post("/{complaint_id}/resolution", status_code=201)
async def resolve(
    complaint_id: UUID, body: ResolutionRequest, union_id: Union, runtime: Runtime
) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = _owned(await store.lock_complaint(conn, complaint_id), union_id)
        if complaint["resolved_at"] is not None or complaint["outcome"] is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, "this complaint is already resolved")
        await conn.execute(
            "UPDATE complaints SET outcome = $2 WHERE complaint_id = $1",
            complaint_id,
            body.outcome.value,
        )
        days = (now - complaint["submitted_at"]).total_seconds() / 86400
        event = ComplaintResolved(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=body.officer,
            outcome=body.outcome,
            actions_taken=body.actions_taken,
            resolution_note=body.resolution_note,
            days_to_resolve=round(days, 3),
            resolved_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return {"complaint_id": str(complaint_id), "outcome": body.outcome.value}


@officers.post("/{complaint_id}/category", status_code=201)
async def recategorize(
    complaint_id: UUID, body: CategoryRequest, union_id: Union, runtime: Runtime
) -> dict[str, Any]:
    if body.category in body.secondary:
        raise HTTPException(422, "the primary category cannot also be a secondary one")
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn, conn.transaction():
        complaint = _owned(await store.lock_complaint(conn, complaint_id), union_id)
        await conn.execute(
            "UPDATE complaints SET category = $2 WHERE complaint_id = $1",
            complaint_id,
            body.category.value,
        )
        event = ComplaintRecategorized(
            complaint_id=complaint_id,
            union_id=union_id,
            officer=body.officer,
            previous_category=complaint["category"],
            category=body.category,
            secondary=body.secondary,
            tags=body.tags,
            text=complaint["text"],
            sector=complaint["sector"],
            recategorized_at=now,
        )
        await enqueue(conn, event, source=SOURCE)
    return {"complaint_id": str(complaint_id), "category": body.category.value}


@workers.post("/{code}/rating", status_code=201)
async def rate(code: str, body: RatingRequest, runtime: Runtime) -> dict[str, Any]:
    """A worker rates how the union handled the complaint; a later rating revises it."""
    code = normalise_tracking_code(code)
    settings = runtime.settings
    assert isinstance(settings, FeedbackSettings)
    if not tracking_secret_matches(settings.tracking_key, code, body.secret):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown tracking code or wrong secret")
    found = await store.complaint_by_tracking_code(runtime.pool, code)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown tracking code or wrong secret")
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
            reasons=body.reasons,
            comment=body.comment,
            revision=1 if previous is None else previous["revision"] + 1,
            rated_at=now,
        )
        await store.save_rating(conn, rating, previous["first_rated_at"] if previous else now)
        await enqueue(conn, rating, source=SOURCE)
    return {"tracking_code": code, "revision": rating.revision}


@statistics.get("/{union_id}/stats")
async def union_stats(
    union_id: str,
    caller: Union,
    runtime: Runtime,
    start: Annotated[date | None, Query(alias="from", description="first day (UTC)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, included")] = None,
) -> dict[str, Any]:
    """The union's own statistics for a period (default: the last 30 days).

    Groups of fewer than 5 complaints are reported as suppressed, never counted.
    """
    if union_id != caller:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no statistics for this union")
    try:
        period = stats.Period.default(start, end)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    rows = await stats.fetch_complaints(runtime.pool, [union_id], period)
    return stats.union_stats(rows, union_id, period)
