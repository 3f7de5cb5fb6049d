"""A union's queue: its complaints as a list an officer works through, with filter badges.

The list reads the judgement columns of `complaints` (migration 002), never the timeline, so a
filter or a page costs one indexed scan of the union's rows however long its history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, get_args
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from schemas.vocabulary import Category, Priority, Sector, Tag

Status = Literal[
    "submitted", "triaged", "recommended", "responded", "reopened", "resolved", "rated"
]
STATUSES: tuple[str, ...] = get_args(Status)
UNTRIAGED = "untriaged"
QueuePriority = Literal["P1", "P2", "P3", "untriaged"]
PRIORITIES: tuple[str, ...] = get_args(QueuePriority)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Postgres takes OFFSET as a bigint; a larger number would fail as a 500, not a 422.
MAX_OFFSET = 2**31 - 1
EXCERPT_CHARS = 160
# What the database sends of each text for its excerpt: enough for EXCERPT_CHARS once runs of
# spaces and line breaks are folded, without shipping 5000-character texts for a whole page.
EXCERPT_SOURCE_CHARS = 400


class QueueFilters(BaseModel):
    """Which of the union's complaints to list; every filter given must hold."""

    status: Status | None = None
    category: Category | None = None
    tag: Tag | None = Field(default=None, description="complaints carrying this tag")
    sector: Sector | None = None
    priority: QueuePriority | None = Field(
        default=None, description="P1, P2, P3, or untriaged (no priority yet)"
    )
    needs_review: bool | None = Field(
        default=None, description="untriaged complaints match neither true nor false"
    )
    emergency: bool | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    def conditions(self) -> dict[str, object]:
        """The filters that were given, by name."""
        return self.model_dump(mode="json", exclude={"limit", "offset"}, exclude_none=True)


class QueueItem(BaseModel):
    complaint_id: UUID
    tracking_code: str
    status: Status
    submitted_at: datetime
    sector: Sector
    kind: Literal["complaint", "aspiration"]
    category: Category | None = Field(description="null until triaged")
    priority: Priority | None = Field(description="null until triaged")
    tags: list[Tag]
    needs_review: bool | None = Field(
        description="triage was unsure or the worker pressed the emergency button; false once"
        " an officer corrected the category; null until triaged"
    )
    emergency: bool = Field(description="the worker pressed the emergency button")
    confidence: float | None = Field(description="triage's calibrated confidence in the category")
    excerpt: str = Field(
        description=f"the start of the masked text (phone, e-mail and NIK replaced), at most"
        f" {EXCERPT_CHARS} characters and an ellipsis, on one line"
    )


class QueueCounts(BaseModel):
    """Badges for the filters: counted over all of the union's complaints, whatever the filters."""

    total: int = Field(description="all of the union's complaints")
    status: dict[Status, int] = Field(description="every status, 0 included")
    priority: dict[QueuePriority, int] = Field(description="P1, P2, P3 and untriaged, 0 included")
    category: dict[str, int] = Field(
        description="category id (or untriaged) -> complaints, only those with any, most first"
    )
    needs_review: int
    emergency: int


class Queue(BaseModel):
    items: list[QueueItem] = Field(
        description="P1 first, then P2, P3 and the untriaged (an untriaged emergency sorts with"
        " P1, which triage will make it); oldest first within each"
    )
    total: int = Field(description="complaints matching the filters, over all pages")
    limit: int
    offset: int
    counts: QueueCounts


def excerpt(text: str, truncated: bool) -> str:
    """The text on one line, cut at a word near EXCERPT_CHARS when longer (`truncated`: the
    database sent only its start)."""
    words = " ".join(text.split())
    if len(words) <= EXCERPT_CHARS and not truncated:
        return words
    cut = words[:EXCERPT_CHARS]
    space = cut.rfind(" ")
    # A word boundary, unless that throws away a third of the excerpt (a long URL, a code).
    if len(words) > EXCERPT_CHARS and space > EXCERPT_CHARS * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def item(row: asyncpg.Record) -> QueueItem:
    return QueueItem(
        complaint_id=row["complaint_id"],
        tracking_code=row["tracking_code"],
        status=row["status"],
        submitted_at=row["submitted_at"],
        sector=row["sector"],
        kind=row["kind"],
        category=row["category"],
        priority=row["priority"],
        tags=row["tags"],
        needs_review=row["needs_review"],
        emergency=row["emergency"],
        confidence=row["confidence"],
        excerpt=excerpt(row["excerpt"], row["truncated"]),
    )


def counts(groups: Iterable[Mapping[str, Any]]) -> QueueCounts:
    """Fold the union's complaints, counted per (status, priority, category, needs_review,
    emergency), into the badges."""
    by_status = Counter({s: 0 for s in STATUSES})
    by_priority = Counter({p: 0 for p in PRIORITIES})
    by_category: Counter[str] = Counter()
    total = needs_review = emergency = 0
    for group in groups:
        n = group["complaints"]
        total += n
        by_status[group["status"]] += n
        by_priority[group["priority"] or UNTRIAGED] += n
        by_category[group["category"] or UNTRIAGED] += n
        needs_review += n if group["needs_review"] else 0
        emergency += n if group["emergency"] else 0
    return QueueCounts.model_validate(
        {
            "total": total,
            "status": by_status,
            "priority": by_priority,
            "category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
            "needs_review": needs_review,
            "emergency": emergency,
        }
    )
