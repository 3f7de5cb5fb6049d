"""Feedback's tables: the union registry copy, complaints' clocks, responses and ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from schemas.events import ComplaintSubmitted, ComplaintTriaged, FeedbackRated, UnionRegistered


async def upsert_union(conn: asyncpg.Connection, union: UnionRegistered) -> None:
    await conn.execute(
        "INSERT INTO unions (union_id, name, api_key_hash, federation, previous_api_key_hash,"
        " previous_key_valid_until) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (union_id) DO UPDATE SET name = EXCLUDED.name,"
        " api_key_hash = EXCLUDED.api_key_hash, federation = EXCLUDED.federation,"
        " previous_api_key_hash = EXCLUDED.previous_api_key_hash,"
        " previous_key_valid_until = EXCLUDED.previous_key_valid_until, updated_at = now()",
        union.union_id,
        union.name,
        union.api_key_hash,
        union.federation,
        union.previous_api_key_hash,
        union.previous_key_valid_until,
    )


async def union_ids(pool: asyncpg.Pool) -> list[str]:
    return [r["union_id"] for r in await pool.fetch("SELECT union_id FROM unions")]


async def insert_complaint(conn: asyncpg.Connection, event: ComplaintSubmitted) -> None:
    await conn.execute(
        "INSERT INTO complaints (complaint_id, union_id, tracking_code, sector, text, submitted_at,"
        " name_keys) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (complaint_id) DO UPDATE SET tracking_code = EXCLUDED.tracking_code,"
        " name_keys = EXCLUDED.name_keys",
        event.complaint_id,
        event.union_id,
        event.tracking_code,
        event.sector.value,
        event.text,
        event.submitted_at,
        event.name_keys,
    )


async def set_triage(conn: asyncpg.Connection, event: ComplaintTriaged) -> None:
    await conn.execute(
        "UPDATE complaints SET category = $2, priority = $3, triaged_at = $4"
        " WHERE complaint_id = $1",
        event.complaint_id,
        event.category.value,
        event.priority.value,
        event.triaged_at,
    )


async def set_time(conn: asyncpg.Connection, complaint_id: UUID, column: str, at: datetime) -> None:
    """Set a clock column once: the first event wins, a replay changes nothing."""
    if column not in {"recommended_at", "first_response_at", "resolved_at"}:
        raise ValueError(column)
    await conn.execute(
        f"UPDATE complaints SET {column} = $2 WHERE complaint_id = $1 AND {column} IS NULL",
        complaint_id,
        at,
    )


async def set_resolved(
    conn: asyncpg.Connection, complaint_id: UUID, at: datetime, outcome: str
) -> None:
    """Record the (current round's) resolution; the API may have written the same already."""
    await conn.execute(
        "UPDATE complaints SET resolved_at = coalesce(resolved_at, $2),"
        " outcome = coalesce(outcome, $3) WHERE complaint_id = $1",
        complaint_id,
        at,
        outcome,
    )


async def complaint(
    conn: asyncpg.Connection | asyncpg.Pool, complaint_id: UUID
) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM complaints WHERE complaint_id = $1", complaint_id)
    return dict(row) if row else None


async def complaint_by_tracking_code(pool: asyncpg.Pool, code: str) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM complaints WHERE tracking_code = $1", code)
    return dict(row) if row else None


async def lock_complaint(conn: asyncpg.Connection, complaint_id: UUID) -> dict[str, Any] | None:
    """Read a complaint and hold its row until the transaction ends (one writer at a time)."""
    row = await conn.fetchrow(
        "SELECT * FROM complaints WHERE complaint_id = $1 FOR UPDATE", complaint_id
    )
    return dict(row) if row else None


async def insert_response(
    conn: asyncpg.Connection,
    response_id: UUID,
    complaint_id: UUID,
    officer: str,
    message: str,
    at: datetime,
) -> bool:
    """Store a response; True when it is the complaint's first."""
    first = not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM responses WHERE complaint_id = $1)", complaint_id
    )
    await conn.execute(
        "INSERT INTO responses (response_id, complaint_id, officer, message, responded_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        response_id,
        complaint_id,
        officer,
        message,
        at,
    )
    return first


async def current_rating(conn: asyncpg.Connection, complaint_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT * FROM ratings WHERE complaint_id = $1 FOR UPDATE", complaint_id
    )
    return dict(row) if row else None


async def save_rating(
    conn: asyncpg.Connection, rating: FeedbackRated, first_rated_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO ratings (complaint_id, score, fixed, reasons, comment, revision,"
        " first_rated_at, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (complaint_id) DO UPDATE SET score = EXCLUDED.score,"
        " fixed = EXCLUDED.fixed, reasons = EXCLUDED.reasons, comment = EXCLUDED.comment,"
        " revision = EXCLUDED.revision, rated_at = EXCLUDED.rated_at",
        rating.complaint_id,
        rating.score,
        rating.fixed,
        rating.reasons,
        rating.comment,
        rating.revision,
        first_rated_at,
        rating.rated_at,
    )


async def reopen(conn: asyncpg.Connection, complaint_id: UUID, at: datetime) -> int:
    """Open a resolved complaint again from `at`; return how often it has been reopened."""
    count: int = await conn.fetchval(
        "UPDATE complaints SET outcome = NULL, resolved_at = NULL, reopened_at = $2,"
        " reopen_count = reopen_count + 1 WHERE complaint_id = $1 RETURNING reopen_count",
        complaint_id,
        at,
    )
    return count
