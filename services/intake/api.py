"""Intake's HTTP API: submit a complaint, read it back (owning union), track it (worker)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.clean import NoControlCharacters
from schemas.events import MAX_TEXT_CHARS, MIN_TEXT_CHARS, ComplaintReceived, Contact
from schemas.vocabulary import Sector
from services.intake import queue, store
from services.intake.queue import Queue, QueueFilters
from services.intake.settings import IntakeSettings
from services.intake.submission import Rejected, accept
from services.intake.views import ComplaintView, TrackingView, complaint_view, tracking_view
from services.runtime import audit
from services.runtime.auth import UnionKeys, open_for_worker, unknown_tracking_code
from services.runtime.http import ServiceRuntime, current_runtime
from services.runtime.throttle import client_address
from services.runtime.tokens import tracking_secret

router = APIRouter(prefix="/v1", tags=["complaints"])


class SubmissionRequest(NoControlCharacters):
    """A complaint as a union frontend posts it; the union comes from the API key."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=MIN_TEXT_CHARS, max_length=MAX_TEXT_CHARS)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="or the Idempotency-Key header; a retry with the same key creates nothing new",
    )
    channel: Literal["app", "web", "whatsapp", "sms", "office", "other"] = "web"
    sector: Sector = Sector.OTHER
    kind: Literal["complaint", "aspiration"] = "complaint"
    language: str = "id"
    member: bool | None = None
    anonymous: bool = False
    contact: Contact | None = None
    workplace: str | None = Field(default=None, max_length=200)
    occurred_on: date | None = None
    emergency: bool = Field(
        default=False,
        description="the worker pressed the emergency button: triage makes the complaint P1 and"
        " sends it to an officer's review",
    )


class SubmissionAccepted(BaseModel):
    complaint_id: UUID
    tracking_code: str
    tracking_secret: str = Field(
        description="give it to the worker: with the code it opens /v1/track"
    )
    status: str


Union = Annotated[str, Depends(UnionKeys())]


Runtime = Annotated[ServiceRuntime[IntakeSettings], Depends(current_runtime)]


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=SubmissionAccepted)
async def submit_complaint(
    body: SubmissionRequest,
    union_id: Union,
    runtime: Runtime,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> SubmissionAccepted:
    key = body.idempotency_key or idempotency_key
    if not key:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "an idempotency key is required (body field idempotency_key or Idempotency-Key header)",
        )
    try:
        received = ComplaintReceived(
            union_id=union_id,
            idempotency_key=key,
            **body.model_dump(exclude={"idempotency_key"}),
        )
        accepted = await accept(runtime, received)
    except ValidationError as exc:
        # Without the input (never echoed back) and the context (it may hold the exception).
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors) from exc
    except Rejected as rejection:
        code = status.HTTP_409_CONFLICT if rejection.code == "duplicate_conflict" else 400
        raise HTTPException(code, str(rejection)) from rejection
    if not accepted.created:
        response.status_code = status.HTTP_200_OK
    return SubmissionAccepted(
        complaint_id=accepted.complaint_id,
        tracking_code=accepted.tracking_code,
        tracking_secret=tracking_secret(runtime.settings.tracking_key, accepted.tracking_code),
        status="submitted" if accepted.created else "already_submitted",
    )


@router.get("/complaints", response_model=Queue)
async def list_complaints(
    filters: Annotated[QueueFilters, Query()],
    union_id: Union,
    runtime: Runtime,
    request: Request,
    officer: audit.OfficerHeader = None,
) -> Queue:
    """The union's complaints, most urgent and oldest first, with counts for filter badges.

    The counts cover all of the union's complaints, whatever the filters; `total` counts those
    matching the filters. Only the owning union's complaints are ever listed.
    """
    total, rows = await store.queue_page(
        runtime.pool, union_id, filters.conditions(), filters.limit, filters.offset
    )
    page = Queue(
        items=[queue.item(row) for row in rows],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        counts=queue.counts(await store.queue_groups(runtime.pool, union_id)),
    )
    # The queue shows triage's category and priority for every complaint on the page.
    await audit.record(
        runtime.pool,
        "queue_viewed",
        union_id,
        actor=officer,
        client=client_address(request),
        details={
            "filters": filters.model_dump(mode="json", exclude_defaults=True),
            "shown": {str(i.complaint_id): [i.category, i.priority] for i in page.items},
        },
    )
    return page


@router.get("/complaints/{complaint_id}")
async def get_complaint(
    complaint_id: UUID,
    union_id: Union,
    runtime: Runtime,
    request: Request,
    officer: audit.OfficerHeader = None,
) -> ComplaintView:
    """The complaint, its triage, recommendations and whole timeline (owning union only)."""
    row = await store.complaint_row(runtime.pool, complaint_id)
    # Another union's complaint is answered exactly like a missing one: no existence oracle.
    if row is None or row["union_id"] != union_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such complaint for this union")
    timeline = await store.timeline(runtime.pool, complaint_id)
    view = complaint_view(row, timeline, runtime.settings.contacts)
    await audit.record(
        runtime.pool,
        "complaint_viewed",
        union_id,
        complaint_id=complaint_id,
        actor=officer,
        client=client_address(request),
        details=audit.suggestions_shown(view.triage, view.recommendation),
    )
    return view


@router.get("/track/{code}", tags=["workers"], response_model_exclude_none=True)
async def track(
    code: str,
    request: Request,
    runtime: Runtime,
    secret: Annotated[str | None, Header(alias="X-Tracking-Secret")] = None,
) -> TrackingView:
    """A worker's view of their complaint, opened with the tracking code and secret.

    The secret travels in a header only: in a query string it would be written to every
    access log and proxy log on the way.
    """
    code = await open_for_worker(request, code, secret)
    row = await store.complaint_by_tracking_code(runtime.pool, code)
    if row is None:
        raise unknown_tracking_code()
    return tracking_view(row, await store.timeline(runtime.pool, row["complaint_id"]))
