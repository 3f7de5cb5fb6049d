"""What the API shows: the union's full view of a complaint and the worker's tracking view."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

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


def _body(entry: asyncpg.Record) -> dict[str, Any]:
    body = entry["body"]
    result: dict[str, Any] = json.loads(body) if isinstance(body, str) else dict(body)
    return result


def _latest(timeline: list[asyncpg.Record], kind: str) -> dict[str, Any] | None:
    bodies = [_body(e) for e in timeline if e["kind"] == kind]
    return bodies[-1] if bodies else None


def complaint_view(
    row: asyncpg.Record, timeline: list[asyncpg.Record], contacts: ContactVault
) -> dict[str, Any]:
    # Category and priority as the queue shows them: triage's, as officers corrected them.
    category = row["category"]
    return {
        "complaint_id": str(row["complaint_id"]),
        "union_id": row["union_id"],
        "tracking_code": row["tracking_code"],
        "status": row["status"],
        "submitted_at": row["submitted_at"].isoformat(),
        "channel": row["channel"],
        "sector": row["sector"],
        "kind": row["kind"],
        "text": row["original_text"],
        "workplace": row["workplace"],
        "occurred_on": row["occurred_on"].isoformat() if row["occurred_on"] else None,
        "member": row["member"],
        "anonymous": row["anonymous"],
        "contact": contacts.open([row[f"contact_{field}"] for field in FIELDS]),
        "emergency": row["emergency"],
        "category": category,
        "category_label": CATEGORY_LABELS[Category(category)] if category else None,
        "priority": row["priority"],
        "triage": _latest(timeline, "triaged"),
        "recommendation": _recommendation(_latest(timeline, "recommended")),
        "timeline": [
            {
                "kind": e["kind"],
                "at": e["at"].isoformat(),
                "event_id": e["event_id"],
                "details": _body(e),
            }
            for e in timeline
        ],
    }


def _recommendation(body: dict[str, Any] | None) -> dict[str, Any] | None:
    if body is None:
        return None
    for action in body.get("actions", []):
        action.setdefault("label", ACTION_LABELS[Action(action["action"])])
    return body


def tracking_view(row: asyncpg.Record, timeline: list[asyncpg.Record]) -> dict[str, Any]:
    steps = []
    for entry in timeline:
        if entry["kind"] in INTERNAL_KINDS:
            continue
        step: dict[str, Any] = {
            "step": WORKER_STEPS.get(entry["kind"], entry["kind"]),
            "at": entry["at"].isoformat(),
        }
        if entry["kind"] == "responded":
            step["message"] = _body(entry).get("message")
        if entry["kind"] == "resolved":
            step["outcome"] = _body(entry).get("outcome")
        steps.append(step)
    return {
        "tracking_code": row["tracking_code"],
        "status": row["status"],
        "submitted_at": row["submitted_at"].isoformat(),
        "steps": steps,
    }
