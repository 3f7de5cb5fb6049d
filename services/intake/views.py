"""What the API shows: the union's full view of a complaint and the worker's tracking view."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from schemas.vocabulary import ACTION_LABELS, CATEGORY_LABELS, Action, Category
from services.intake.contacts import FIELDS, ContactVault

# What a worker sees of each timeline entry: no officer names, no internal triage figures.
WORKER_STEPS = {
    "submitted": "Pengaduan diterima",
    "triaged": "Pengaduan sudah dipelajari",
    "recommended": "Langkah tindak lanjut disiapkan",
    "responded": "Serikat menanggapi",
    "resolved": "Pengaduan diselesaikan",
    "rated": "Penilaian Anda tercatat",
    "reopened": "Pengaduan dibuka kembali",
    "worker_replied": "Balasan Anda terkirim",
}
# Union-internal entries the worker's tracking page leaves out (the federation's escalation).
INTERNAL_KINDS = frozenset({"sla_breached"})


class TimelineEntry(BaseModel):
    kind: str = Field(description="submitted, triaged, recommended, responded, resolved, ...")
    at: datetime
    event_id: str
    details: dict[str, Any] = Field(description="the event's own fields, as published")


class ComplaintView(BaseModel):
    """A complaint as its union sees it: the worker's words and contact, triage, advice, history."""

    complaint_id: UUID
    union_id: str
    tracking_code: str
    status: str
    submitted_at: datetime
    channel: str
    sector: str
    kind: str
    text: str = Field(description="the worker's words as submitted (unmasked: union only)")
    workplace: str | None
    occurred_on: date | None
    member: bool | None
    anonymous: bool
    contact: dict[str, str | None] = Field(description="name, phone, email and whatsapp")
    emergency: bool
    category: str | None = Field(description="triage's category, or an officer's correction")
    category_label: str | None
    priority: str | None
    triage: dict[str, Any] | None = Field(description="the latest complaint.triaged event")
    recommendation: dict[str, Any] | None = Field(
        description="the latest complaint.recommended event, each action with its label"
    )
    timeline: list[TimelineEntry]


class TrackingStep(BaseModel):
    step: str = Field(description="what happened, in Indonesian, for the worker")
    at: datetime
    message: str | None = Field(default=None, description="the union's reply, on responses")
    outcome: str | None = Field(default=None, description="how it ended, on resolution")


class TrackingView(BaseModel):
    """What a worker sees of their complaint: no officer names, no internal figures."""

    tracking_code: str
    status: str
    submitted_at: datetime
    steps: list[TrackingStep]


def _body(entry: asyncpg.Record) -> dict[str, Any]:
    body = entry["body"]
    result: dict[str, Any] = json.loads(body) if isinstance(body, str) else dict(body)
    return result


def _latest(timeline: list[asyncpg.Record], kind: str) -> dict[str, Any] | None:
    bodies = [_body(e) for e in timeline if e["kind"] == kind]
    return bodies[-1] if bodies else None


def complaint_view(
    row: asyncpg.Record, timeline: list[asyncpg.Record], contacts: ContactVault
) -> ComplaintView:
    # Category and priority as the queue shows them: triage's, as officers corrected them.
    category = row["category"]
    return ComplaintView(
        complaint_id=row["complaint_id"],
        union_id=row["union_id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        submitted_at=row["submitted_at"],
        channel=row["channel"],
        sector=row["sector"],
        kind=row["kind"],
        text=contacts.open_words(row["original_text"]),
        workplace=row["workplace"],
        occurred_on=row["occurred_on"],
        member=row["member"],
        anonymous=row["anonymous"],
        contact=contacts.open([row[f"contact_{field}"] for field in FIELDS]),
        emergency=row["emergency"],
        category=category,
        category_label=CATEGORY_LABELS[Category(category)] if category else None,
        priority=row["priority"],
        triage=_latest(timeline, "triaged"),
        recommendation=_recommendation(_latest(timeline, "recommended")),
        timeline=[
            TimelineEntry(kind=e["kind"], at=e["at"], event_id=e["event_id"], details=_body(e))
            for e in timeline
        ],
    )


def _recommendation(body: dict[str, Any] | None) -> dict[str, Any] | None:
    if body is None:
        return None
    for action in body.get("actions", []):
        action.setdefault("label", ACTION_LABELS[Action(action["action"])])
    return body


def tracking_view(row: asyncpg.Record, timeline: list[asyncpg.Record]) -> TrackingView:
    steps = [
        TrackingStep(
            step=WORKER_STEPS.get(entry["kind"], entry["kind"]),
            at=entry["at"],
            message=_body(entry).get("message") if entry["kind"] == "responded" else None,
            outcome=_body(entry).get("outcome") if entry["kind"] == "resolved" else None,
        )
        for entry in timeline
        if entry["kind"] not in INTERNAL_KINDS
    ]
    return TrackingView(
        tracking_code=row["tracking_code"],
        status=row["status"],
        submitted_at=row["submitted_at"],
        steps=steps,
    )
