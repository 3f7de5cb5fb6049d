"""The officer's queue: filters as intake takes them, and each item's SLA deadlines beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

PRIORITY_RANK = {"P1": 0, "P2": 1, "P3": 2}
# Items shown on one page; intake answers at most 200.
PAGE_SIZE = 100


@dataclass
class QueueFilters:
    """Query parameters of the queue page (a FastAPI dependency); empty means any."""

    status: str | None = None
    category: str | None = None
    tag: str | None = None
    sector: str | None = None
    priority: str | None = None
    needs_review: bool | None = None
    offset: int = 0

    def as_query(self) -> dict[str, Any]:
        query = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        if "needs_review" in query:
            query["needs_review"] = str(query["needs_review"]).lower()
        return query | {"limit": PAGE_SIZE}

    def active(self) -> bool:
        return any(v not in (None, "", 0) for v in asdict(self).values())


def _running_deadline(clock: dict[str, Any] | None) -> datetime | None:
    """The deadline of a clock still running; a stopped one (met or breached) has none left."""
    value = (clock or {}).get("deadline")
    if not value or (clock or {}).get("stopped_at"):
        return None
    return datetime.fromisoformat(value)


def merge_clocks(items: list[dict[str, Any]], clocks: dict[str, Any]) -> list[dict[str, Any]]:
    """Each item with its open clocks' next deadline and breach, ordered by priority, then the
    nearest deadline (items without one last), then age."""
    by_id = {c["complaint_id"]: c for c in clocks.get("clocks", [])}
    merged = []
    for item in items:
        clock = by_id.get(item["complaint_id"], {})
        deadlines = [
            d
            for d in (
                _running_deadline(clock.get("first_response")),
                _running_deadline(clock.get("resolution")),
            )
            if d
        ]
        merged.append(
            item
            | {
                "next_deadline": min(deadlines) if deadlines else None,
                "breached": bool(clock.get("breached")),
                "waiting_on_worker": bool(clock.get("waiting_on_worker")),
            }
        )
    return sorted(
        merged,
        key=lambda i: (
            PRIORITY_RANK.get(i.get("priority") or "", 3),
            i["next_deadline"] is None,
            i["next_deadline"] or datetime.max,
            i["submitted_at"],
        ),
    )
