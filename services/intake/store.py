"""Intake's tables: unions, complaints, contacts and the timeline read model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from schemas.events import ComplaintReceived, ComplaintSubmitted, UnionRegistered
from services.intake.queue import EXCERPT_SOURCE_CHARS, UNTRIAGED
from services.runtime.outbox import OutboxRow

# How far along a complaint is; a late or replayed event never moves it back.
STATUS_RANK = {
    "submitted": 0,
    "triaged": 1,
    "recommended": 2,
    "responded": 3,
    "reopened": 3,
    "resolved": 4,
    "rated": 5,
}
# Statuses only move forward, because events of different topics arrive in any order. A worker's
# reopening starts a new round of the lifecycle: rank = round x ROUND + rank within the round.
ROUND = 10


async def upsert_union(conn: asyncpg.Connection, union: UnionRegistered) -> None:
    await conn.execute(
        "INSERT INTO unions (union_id, name, federation, share_cases, api_key_hash, registered_at,"
        " previous_api_key_hash, previous_key_valid_until)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (union_id) DO UPDATE SET"
        " name = EXCLUDED.name, federation = EXCLUDED.federation,"
        " share_cases = EXCLUDED.share_cases, api_key_hash = EXCLUDED.api_key_hash,"
        " previous_api_key_hash = EXCLUDED.previous_api_key_hash,"
        " previous_key_valid_until = EXCLUDED.previous_key_valid_until",
        union.union_id,
        union.name,
        union.federation,
        union.share_cases,
        union.api_key_hash,
        union.registered_at,
        union.previous_api_key_hash,
        union.previous_key_valid_until,
    )


async def union(conn: asyncpg.Connection, union_id: str) -> UnionRegistered | None:
    row = await conn.fetchrow("SELECT * FROM unions WHERE union_id = $1", union_id)
    return None if row is None else UnionRegistered.model_validate(dict(row))


async def all_unions(conn: asyncpg.Connection | asyncpg.Pool) -> list[UnionRegistered]:
    rows = await conn.fetch("SELECT * FROM unions ORDER BY union_id")
    return [UnionRegistered.model_validate(dict(r)) for r in rows]


async def by_idempotency_key(
    conn: asyncpg.Connection, union_id: str, idempotency_key: str
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT complaint_id, tracking_code, request_hash FROM complaints"
        " WHERE union_id = $1 AND idempotency_key = $2",
        union_id,
        idempotency_key,
    )
    return row


# One statement (one round trip, its own transaction) stores a submission: the complaint, its
# contact data when given, its first timeline entry and its `submitted` event in the outbox. A
# second submission under the same idempotency key inserts nothing and returns no row; an
# unknown union fails the complaint's foreign key. Four round trips (BEGIN, this, the outbox
# row, COMMIT) held a pooled connection across three waits for the event loop: under a burst
# of 10,000 the pool of 10 was what capped intake at ~500 accepted a second.
INSERT_SUBMISSION = """
WITH complaint AS (
    INSERT INTO complaints (complaint_id, union_id, idempotency_key, request_hash, tracking_code,
        channel, sector, kind, original_text, masked_text, language, member, anonymous,
        workplace, occurred_on, submitted_at, submitted_event_id, emergency, name_keys)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $24,
        $25)
    ON CONFLICT (union_id, idempotency_key) DO NOTHING
    RETURNING complaint_id
), contact AS (
    INSERT INTO contacts (complaint_id, name, phone, email, whatsapp)
    SELECT complaint_id, $18::text, $19::text, $20::text, $21::text FROM complaint WHERE $22::bool
), first_entry AS (
    INSERT INTO timeline (event_id, complaint_id, kind, at, body)
    SELECT $17, complaint_id, 'submitted', $16, $23::jsonb FROM complaint
), queued AS (
    INSERT INTO outbox (event_id, topic, key, body, headers)
    SELECT $26::text, $27::text, $28::bytea, $29::bytea, $30::jsonb FROM complaint
    ON CONFLICT (event_id) DO NOTHING
)
SELECT complaint_id FROM complaint
"""


async def insert_submission(
    conn: asyncpg.Connection,
    received: ComplaintReceived,
    submitted: ComplaintSubmitted,
    contact: list[str | None],
    words: str,
    *,
    request_hash: str,
    event: OutboxRow,
) -> bool:
    """Store a new submission and its `submitted` event; False when its idempotency key is
    already taken (then nothing is stored).

    `contact` (name, phone, e-mail and WhatsApp) and `words` (the text as the worker wrote it)
    as they are stored: sealed, see contacts.py.
    """
    first_entry = {"channel": submitted.channel, "sector": submitted.sector.value}
    stored = await conn.fetchval(
        INSERT_SUBMISSION,
        submitted.complaint_id,
        received.union_id,
        received.idempotency_key,
        request_hash,
        submitted.tracking_code,
        received.channel,
        received.sector.value,
        received.kind,
        words,
        submitted.text,
        received.language,
        received.member,
        received.anonymous,
        received.workplace,
        received.occurred_on,
        submitted.submitted_at,
        event.event_id,
        *contact,
        received.contact is not None,
        json.dumps(first_entry),
        submitted.emergency,
        submitted.name_keys,
        *event.values(),
    )
    return stored is not None


@dataclass(frozen=True)
class TimelineEntry:
    """What one downstream event adds to its complaint's timeline."""

    event_id: str
    complaint_id: UUID
    union_id: str
    at: datetime
    body: dict[str, Any]
    # The lifecycle round the event names (0 before any reopening), or None: the current one.
    lifecycle_round: int | None = None


async def record_timeline(
    conn: asyncpg.Connection, kind: str, entries: list[TimelineEntry]
) -> list[TimelineEntry]:
    """Add a poll's timeline entries of one kind in one statement; the ones added. An entry
    adds nothing when its complaint is not its union's (or unknown here), when its event is
    already there, or when an entry of the same kind says exactly the same (the same event sent
    again under a new id: a replay, not news), in the timeline or earlier in `entries`."""
    added = await conn.fetch(
        "INSERT INTO timeline (event_id, complaint_id, kind, at, body)"
        " SELECT DISTINCT ON (e.complaint_id, e.body::jsonb)"
        "   e.event_id, e.complaint_id, $1, e.at, e.body::jsonb"
        " FROM unnest($2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[])"
        "   WITH ORDINALITY AS e(event_id, complaint_id, union_id, at, body, n)"
        " WHERE EXISTS (SELECT 1 FROM complaints c"
        "   WHERE c.complaint_id = e.complaint_id AND c.union_id = e.union_id)"
        " AND NOT EXISTS (SELECT 1 FROM timeline t"
        "   WHERE t.complaint_id = e.complaint_id AND t.kind = $1 AND t.body = e.body::jsonb)"
        " ORDER BY e.complaint_id, e.body::jsonb, e.n"
        " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        kind,
        [e.event_id for e in entries],
        [e.complaint_id for e in entries],
        [e.union_id for e in entries],
        [e.at for e in entries],
        [json.dumps(e.body, default=str) for e in entries],
    )
    ids = {row["event_id"] for row in added}
    return [e for e in entries if e.event_id in ids]


async def refresh_triage(conn: asyncpg.Connection, complaint_ids: list[UUID]) -> None:
    """Derive category, priority, tags, needs_review and confidence from the timeline again
    (the SQL function of migration 002, which also filled them in for older complaints)."""
    await conn.execute(
        "SELECT refresh_triage(c) FROM (SELECT DISTINCT unnest($1::uuid[]) AS c) AS complaints",
        complaint_ids,
    )


async def advance_status(
    conn: asyncpg.Connection, status: str, entries: list[TimelineEntry]
) -> None:
    """Move the entries' complaints forward to `status`; an entry that names no round counts in
    its complaint's current one."""
    rounds = [e for e in entries if e.lifecycle_round is not None]
    if rounds:
        await conn.execute(
            "UPDATE complaints c SET status = $2, status_rank = target.rank, updated_at = now()"
            " FROM (SELECT complaint_id, max(rank) AS rank"
            "   FROM unnest($1::uuid[], $3::int[]) AS e(complaint_id, rank)"
            "   GROUP BY complaint_id) AS target"
            " WHERE c.complaint_id = target.complaint_id AND c.status_rank < target.rank",
            [e.complaint_id for e in rounds],
            status,
            [(e.lifecycle_round or 0) * ROUND + STATUS_RANK[status] for e in rounds],
        )
    current = [e.complaint_id for e in entries if e.lifecycle_round is None]
    if current:
        await conn.execute(
            "UPDATE complaints SET status = $2,"
            " status_rank = status_rank - status_rank % $4 + $3, updated_at = now()"
            " WHERE complaint_id = ANY($1::uuid[]) AND status_rank % $4 < $3",
            current,
            status,
            STATUS_RANK[status],
            ROUND,
        )


async def complaint_row(pool: asyncpg.Pool, complaint_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        "SELECT c.*, k.name AS contact_name, k.phone AS contact_phone,"
        " k.email AS contact_email, k.whatsapp AS contact_whatsapp"
        " FROM complaints c LEFT JOIN contacts k USING (complaint_id)"
        " WHERE c.complaint_id = $1",
        complaint_id,
    )
    return row


async def complaint_by_tracking_code(pool: asyncpg.Pool, code: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        "SELECT * FROM complaints WHERE tracking_code = $1", code
    )
    return row


async def timeline(pool: asyncpg.Pool, complaint_id: UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT event_id, kind, at, body FROM timeline WHERE complaint_id = $1 ORDER BY at, kind",
        complaint_id,
    )
    return rows


# Each filter of the queue as a condition on a parameter of its own: only this fixed text goes
# into the SQL, the values travel as parameters.
QUEUE_CONDITIONS = {
    "status": "status = {}",
    "category": "category = {}",
    "tag": "{} = ANY (tags)",
    "sector": "sector = {}",
    "priority": "priority = {}",
    "needs_review": "needs_review = {}",
    "emergency": "emergency = {}",
}
# P1 first and the untriaged last; an untriaged emergency is a P1 already (triage makes it one),
# an officer who lowered an emergency's priority moves it down. Oldest first within a priority.
QUEUE_ORDER = """
ORDER BY CASE coalesce(priority, CASE WHEN emergency THEN 'P1' END)
         WHEN 'P1' THEN 1 WHEN 'P2' THEN 2 WHEN 'P3' THEN 3 ELSE 4 END,
         submitted_at, complaint_id
"""


def _queue_where(union_id: str, filters: Mapping[str, object]) -> tuple[str, list[object]]:
    conditions: list[str] = ["union_id = $1"]
    args: list[object] = [union_id]
    for name, value in filters.items():
        if name == "priority" and value == UNTRIAGED:
            conditions.append("priority IS NULL")
            continue
        args.append(value)
        conditions.append(QUEUE_CONDITIONS[name].format(f"${len(args)}"))
    return " AND ".join(conditions), args


async def queue_page(
    pool: asyncpg.Pool, union_id: str, filters: Mapping[str, object], limit: int, offset: int
) -> tuple[int, list[asyncpg.Record]]:
    """How many of the union's complaints match `filters`, and the page of them asked for."""
    where, args = _queue_where(union_id, filters)
    n = len(args)
    async with pool.acquire() as conn:
        total: int = await conn.fetchval(f"SELECT count(*) FROM complaints WHERE {where}", *args)
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT complaint_id, tracking_code, status, submitted_at, sector, kind, category,"
            " priority, tags, needs_review, emergency, confidence,"
            f" left(masked_text, ${n + 1}) AS excerpt,"
            f" char_length(masked_text) > ${n + 1} AS truncated"
            f" FROM complaints WHERE {where} {QUEUE_ORDER} LIMIT ${n + 2} OFFSET ${n + 3}",
            *args,
            EXCERPT_SOURCE_CHARS,
            limit,
            offset,
        )
    return total, rows


async def queue_groups(pool: asyncpg.Pool, union_id: str) -> list[asyncpg.Record]:
    """All of the union's complaints, counted per status, priority, category, needs_review and
    emergency (at most a few thousand groups, however many complaints)."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT status, priority, category, needs_review, emergency, count(*) AS complaints"
        " FROM complaints WHERE union_id = $1 GROUP BY 1, 2, 3, 4, 5",
        union_id,
    )
    return rows


async def claim_stuck(
    pool: asyncpg.Pool, *, older_than_seconds: float, max_republish: int, limit: int = 100
) -> list[asyncpg.Record]:
    """Complaints not yet recommended that waited too long; their clock restarts as claimed."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "UPDATE complaints SET updated_at = now(), republished = republished + 1"
        " WHERE complaint_id IN (SELECT complaint_id FROM complaints"
        "  WHERE status_rank < $1 AND republished < $2"
        "  AND updated_at < now() - make_interval(secs => $3)"
        "  ORDER BY submitted_at LIMIT $4 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        STATUS_RANK["recommended"],
        max_republish,
        older_than_seconds,
        limit,
    )
    return rows
