"""The web frontend's tables: officers, sessions, login failures, audit log, evidence."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Officer:
    officer_id: UUID
    union_id: str
    username: str
    display_name: str
    role: str
    federation: str | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> Officer:
        return cls(
            row["officer_id"],
            row["union_id"],
            row["username"],
            row["display_name"],
            row["role"],
            row["federation"],
        )


@dataclass(frozen=True)
class Session:
    officer: Officer
    csrf_token: str


@dataclass(frozen=True)
class StoredEvidence:
    evidence_id: UUID
    union_id: str
    complaint_id: UUID
    filename: str
    media_type: str
    size: int
    content: bytes


# -- officers ----------------------------------------------------------------------------------


async def create_officer(
    pool: asyncpg.Pool,
    *,
    union_id: str,
    username: str,
    display_name: str,
    role: str,
    federation: str | None,
    password_hash: str,
) -> Officer:
    row = await pool.fetchrow(
        """
        INSERT INTO officers (officer_id, union_id, username, display_name, role, federation,
                              password_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING *
        """,
        uuid.uuid4(),
        union_id,
        username,
        display_name,
        role,
        federation,
        password_hash,
    )
    assert row is not None
    return Officer.of(row)


async def active_account(pool: asyncpg.Pool, username: str) -> tuple[Officer, str] | None:
    """The account and its password hash, for a login."""
    row = await pool.fetchrow("SELECT * FROM officers WHERE username = $1 AND active", username)
    return None if row is None else (Officer.of(row), row["password_hash"])


async def set_password_hash(pool: asyncpg.Pool, officer_id: UUID, password_hash: str) -> None:
    await pool.execute(
        "UPDATE officers SET password_hash = $2 WHERE officer_id = $1", officer_id, password_hash
    )


async def officers_of(pool: asyncpg.Pool, union_id: str) -> list[Officer]:
    rows = await pool.fetch(
        "SELECT * FROM officers WHERE union_id = $1 AND active ORDER BY username", union_id
    )
    return [Officer.of(r) for r in rows]


async def deactivate_officer(pool: asyncpg.Pool, union_id: str, username: str) -> bool:
    """Switch an account off and end its sessions; False when the union has no such account."""
    async with pool.acquire() as conn, conn.transaction():
        officer_id = await conn.fetchval(
            "UPDATE officers SET active = false WHERE union_id = $1 AND username = $2"
            " RETURNING officer_id",
            union_id,
            username,
        )
        if officer_id is None:
            return False
        await conn.execute("DELETE FROM sessions WHERE officer_id = $1", officer_id)
        return True


# -- sessions ----------------------------------------------------------------------------------


async def create_session(
    pool: asyncpg.Pool,
    token_hash: str,
    officer_id: UUID,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await pool.execute(
        "INSERT INTO sessions (token_hash, officer_id, csrf_token, created_at, last_seen,"
        " expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        token_hash,
        officer_id,
        csrf_token,
        now,
        expires_at,
    )


async def touch_session(
    pool: asyncpg.Pool, token_hash: str, now: datetime, idle_since: datetime
) -> tuple[Officer, str] | None:
    """The session's officer and CSRF token, its last use moved to `now`; None when it expired,
    sat idle since before `idle_since`, or its account was switched off."""
    row = await pool.fetchrow(
        """
        UPDATE sessions s SET last_seen = $2
        FROM officers o
        WHERE s.token_hash = $1 AND o.officer_id = s.officer_id AND o.active
          AND s.expires_at > $2 AND s.last_seen > $3
        RETURNING o.*, s.csrf_token
        """,
        token_hash,
        now,
        idle_since,
    )
    return None if row is None else (Officer.of(row), row["csrf_token"])


async def end_session(pool: asyncpg.Pool, token_hash: str) -> None:
    await pool.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)


async def forget_expired_sessions(pool: asyncpg.Pool, now: datetime) -> int:
    deleted = await pool.fetchval(
        "WITH gone AS (DELETE FROM sessions WHERE expires_at <= $1 RETURNING 1)"
        " SELECT count(*) FROM gone",
        now,
    )
    return int(deleted)


# -- login failures ----------------------------------------------------------------------------


async def record_login_failure(pool: asyncpg.Pool, username: str, address: str) -> None:
    await pool.execute(
        "INSERT INTO login_failures (username, address) VALUES ($1, $2)", username, address
    )


async def recent_login_failures(
    pool: asyncpg.Pool, username: str, address: str, since: datetime
) -> int:
    """Failures for this account or from this address since `since`, whichever is more."""
    count = await pool.fetchval(
        """
        SELECT greatest(
            (SELECT count(*) FROM login_failures WHERE username = $1 AND failed_at > $3),
            (SELECT count(*) FROM login_failures WHERE address = $2 AND failed_at > $3))
        """,
        username,
        address,
        since,
    )
    return int(count)


async def clear_login_failures(pool: asyncpg.Pool, username: str) -> None:
    await pool.execute("DELETE FROM login_failures WHERE username = $1", username)


# -- audit log ---------------------------------------------------------------------------------


async def audit(
    pool: asyncpg.Pool,
    action: str,
    *,
    officer: Officer | None = None,
    username: str | None = None,
    union_id: str | None = None,
    complaint_id: UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await pool.execute(
        "INSERT INTO audit_log (union_id, officer_id, username, action, complaint_id, details)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        union_id or (officer.union_id if officer else None),
        officer.officer_id if officer else None,
        username or (officer.username if officer else None),
        action,
        complaint_id,
        json.dumps(details or {}),
    )


async def audit_entries(
    pool: asyncpg.Pool, union_id: str, limit: int = 200
) -> list[asyncpg.Record]:
    entries: list[asyncpg.Record] = await pool.fetch(
        "SELECT * FROM audit_log WHERE union_id = $1 ORDER BY at DESC, entry_id DESC LIMIT $2",
        union_id,
        limit,
    )
    return entries


# -- evidence ----------------------------------------------------------------------------------


async def save_evidence(
    pool: asyncpg.Pool,
    union_id: str,
    complaint_id: UUID,
    files: list[tuple[str, str, bytes, str]],
) -> None:
    """Keep each (filename, media type, content, sha256) of one complaint; a retried submission
    of the same files stores nothing twice."""
    async with pool.acquire() as conn, conn.transaction():
        for filename, media_type, content, digest in files:
            await conn.execute(
                """
                INSERT INTO evidence (evidence_id, union_id, complaint_id, filename, media_type,
                                      size, sha256, content)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8
                WHERE NOT EXISTS (
                    SELECT 1 FROM evidence WHERE complaint_id = $3 AND sha256 = $7)
                """,
                uuid.uuid4(),
                union_id,
                complaint_id,
                filename,
                media_type,
                len(content),
                digest,
                content,
            )


async def evidence_list(
    pool: asyncpg.Pool, union_id: str, complaint_id: UUID
) -> list[asyncpg.Record]:
    evidence: list[asyncpg.Record] = await pool.fetch(
        "SELECT evidence_id, filename, media_type, size FROM evidence"
        " WHERE union_id = $1 AND complaint_id = $2 ORDER BY uploaded_at, filename",
        union_id,
        complaint_id,
    )
    return evidence


async def evidence_file(
    pool: asyncpg.Pool, union_id: str, evidence_id: UUID
) -> StoredEvidence | None:
    row = await pool.fetchrow(
        "SELECT * FROM evidence WHERE union_id = $1 AND evidence_id = $2", union_id, evidence_id
    )
    if row is None:
        return None
    return StoredEvidence(
        row["evidence_id"],
        row["union_id"],
        row["complaint_id"],
        row["filename"],
        row["media_type"],
        row["size"],
        bytes(row["content"]),
    )
