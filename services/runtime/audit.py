"""The API's audit log: who did what to a complaint through a union's key, and what the machine
suggested to the officer who read it.

The web app keeps its own log of its officers' actions; a union's own frontend reaches the
services' APIs with the union's key, and those calls are recorded here, in the schema of the
service that served them (intake: complaints read with their triage and advice; feedback:
responses, resolutions, corrections, SLA changes and the workers' ratings, reopenings and
replies). A state change and its entry are written in one transaction: there is no action
without its entry. An officer's name is what the frontend says (`officer` in a body, or the
`X-Aduan-Officer` header on reads), as the events carry it; the key's union and the caller's
address are what the service saw itself. A worker's address is never recorded: it could name a
worker who asked to stay anonymous.

A union reads its own entries at `GET /v1/audit` of each service (newest first).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, Field

from services.runtime.auth import UnionKeys
from services.runtime.http import ServiceRuntime, current_runtime

# The most entries one read returns; older ones are reached with `before`.
PAGE_LIMIT = 500
# Entry ids are PostgreSQL bigints: a larger `before` is a 422, not a failed query.
MAX_ENTRY_ID = 2**63 - 1

# Who an officer says they are on a read (writes carry `officer` in their body).
OfficerHeader = Annotated[
    str | None,
    Header(
        alias="X-Aduan-Officer",
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]*$",  # no control characters in the log
        description="the officer reading, as the frontend knows them (recorded in the audit log)",
    ),
]


class AuditEntry(BaseModel):
    """One recorded action."""

    entry_id: int
    at: datetime
    union_id: str
    action: str = Field(description="e.g. complaint_viewed, response_recorded, rating_given")
    complaint_id: UUID | None
    actor: str | None = Field(description="the officer named by the frontend, or 'worker'")
    client: str | None = Field(description="the caller's address as the service saw it")
    details: dict[str, Any] = Field(description="what was done or shown")


class AuditPage(BaseModel):
    entries: list[AuditEntry]


async def record(
    conn: asyncpg.Connection | asyncpg.Pool,
    action: str,
    union_id: str,
    *,
    complaint_id: UUID | None = None,
    actor: str | None = None,
    client: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry; pass the connection of the action's transaction so both commit together."""
    await conn.execute(
        "INSERT INTO api_audit (union_id, action, complaint_id, actor, client, details)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        union_id,
        action,
        complaint_id,
        actor,
        client,
        json.dumps(details or {}, default=str),
    )


def suggestions_shown(
    triage: dict[str, Any] | None, recommendation: dict[str, Any] | None
) -> dict[str, Any]:
    """What the machine suggested to an officer reading a complaint: the triage (with the
    model's version) and the recommended actions and cases, so a decision can later be traced
    to what was in front of the officer when it was made."""
    shown_triage = None
    if triage:
        keys = ("model_version", "category", "priority", "tags", "confidence")
        shown_triage = {key: triage.get(key) for key in keys}
    recommendation = recommendation or {}
    return {
        "triage": shown_triage,
        "recommended_actions": [a["action"] for a in recommendation.get("actions", [])],
        "similar_cases": [c["case_id"] for c in recommendation.get("similar_cases", [])],
    }


async def entries(
    pool: asyncpg.Pool, union_id: str, limit: int = PAGE_LIMIT, before: int | None = None
) -> list[AuditEntry]:
    rows = await pool.fetch(
        "SELECT * FROM api_audit WHERE union_id = $1 AND ($3::bigint IS NULL OR entry_id < $3)"
        " ORDER BY entry_id DESC LIMIT $2",
        union_id,
        limit,
        before,
    )
    return [AuditEntry(**{**dict(r), "details": json.loads(r["details"])}) for r in rows]


def audit_router() -> APIRouter:
    """`GET /v1/audit`: the calling union's entries in this service, newest first."""
    router = APIRouter(prefix="/v1", tags=["audit"])

    @router.get("/audit")
    async def read_audit(
        union_id: Annotated[str, Depends(UnionKeys())],
        runtime: Annotated[ServiceRuntime, Depends(current_runtime)],
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100,
        before: Annotated[
            int | None, Query(ge=1, le=MAX_ENTRY_ID, description="entries older than this id")
        ] = None,
    ) -> AuditPage:
        return AuditPage(entries=await entries(runtime.pool, union_id, limit, before))

    return router
