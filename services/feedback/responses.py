"""What feedback's HTTP API answers: the shapes of its complaints' and workers' routes.

The statistics' shapes live with the code that builds them (`stats.py`), the SLA settings' next
to `SlaPolicy.describe` (`sla.py`).

Instants are written as `datetime.isoformat()` writes them (`2026-12-05T11:30:00+00:00`, not
pydantic's `...Z`): `IsoDateTime` keeps the strings these routes answered with before they had
models. `UnionClocks` had a model first and keeps pydantic's form (`...Z`); its readers parse
both (`datetime.fromisoformat`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from schemas.vocabulary import Category, Outcome, Priority
from services.feedback.sla import Status


def _isoformat(at: datetime) -> str:
    return at.isoformat()


IsoDateTime = Annotated[
    datetime,
    PlainSerializer(_isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# -- officers -------------------------------------------------------------------------------------


class ResponseRecorded(BaseModel):
    response_id: UUID
    first_response: bool = Field(
        description="the complaint's first response: it stopped the first-response clock"
    )
    waiting_on_worker: bool = Field(
        description="the clocks are paused until the worker replies (POST /v1/track/{code}/reply)"
    )


class Resolved(BaseModel):
    complaint_id: UUID
    outcome: Outcome


class Recategorized(BaseModel):
    complaint_id: UUID
    category: Category
    priority: Priority | None = Field(
        description="the priority now in force (the corrected one, else the one it had); null"
        " while the complaint is not triaged"
    )


class SlaClock(BaseModel):
    """One SLA clock of a complaint, as `GET /v1/complaints/{id}/sla` judges it."""

    status: Status = Field(
        description="met or breached once stopped; pending, paused (waiting on the worker) or"
        " breached (past its deadline) while running; no_target before triage"
    )
    round: int = Field(description="0, or how often the worker reopened (resolution clock)")
    started_at: IsoDateTime = Field(description="the submission, or the latest reopening")
    stopped_at: IsoDateTime | None = Field(
        description="the first response, or the resolution; null while the clock runs"
    )
    target_hours: float | None = Field(
        description="the target in hours of the calendar it is counted on; null before triage"
    )
    deadline: IsoDateTime | None = Field(
        description="when the target runs out; null while paused and before triage"
    )
    working_hours_used: float | None = Field(
        description="working (unpaused) hours the clock ran, until it stopped or now; null"
        " before triage"
    )
    breach_published: bool = Field(description="the federation was told of the breach")


class ComplaintSla(BaseModel):
    complaint_id: UUID
    priority: Priority | None = Field(description="null until triaged")
    reopen_count: int
    waiting_on_worker: bool = Field(description="both clocks are paused until the worker replies")
    as_of: IsoDateTime = Field(description="when the clocks were judged")
    first_response: SlaClock
    resolution: SlaClock


class ClockView(BaseModel):
    status: Status = Field(
        description="met or breached once stopped; pending, paused (waiting on the worker) or"
        " breached (past its deadline) while running; no_target before triage"
    )
    breached: bool = Field(description="the clock ran, or stopped, past its deadline")
    deadline: datetime | None = Field(
        description="when the target runs out; null while paused and before triage"
    )
    target_hours: float | None
    started_at: datetime
    stopped_at: datetime | None = Field(description="the first response, or the resolution")
    round: int = Field(description="0, or how often the worker reopened (resolution clock)")
    breach_published: bool = Field(description="the federation was told of the breach")


class ComplaintClocks(BaseModel):
    complaint_id: UUID
    tracking_code: str | None = Field(description="null until feedback has the submission")
    priority: Priority | None = Field(description="null until triaged")
    reopen_count: int
    waiting_on_worker: bool = Field(description="both clocks are paused until the worker replies")
    breached: bool = Field(description="either clock is breached")
    first_response: ClockView
    resolution: ClockView


class UnionClocks(BaseModel):
    union_id: str
    as_of: datetime
    clocks: list[ComplaintClocks] = Field(description="the open complaints, oldest first")


# -- workers --------------------------------------------------------------------------------------


class Rated(BaseModel):
    tracking_code: str
    revision: int = Field(description="1 for the first rating; each revision adds one")


class Reopened(BaseModel):
    tracking_code: str
    reopen_count: int = Field(
        description="how often the worker reopened the complaint, this time included"
    )
    status: Literal["reopened"]


class Replied(BaseModel):
    tracking_code: str
    resumed: bool = Field(description="the SLA clocks, paused until this reply, run again")
