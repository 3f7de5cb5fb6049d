"""SLA clocks of stored complaints: settings and pauses from the database, breaches via the outbox.

A breach is found in two places: by the periodic job, for clocks still running past their
deadline, and by the handlers, when a response or resolution stops a clock late (or a triage
gives a priority to a complaint whose clocks already ran out). Both end in `check_breaches`,
where the `sla_breaches` primary key and the derived event id make the breach event go out
exactly once per complaint, clock and round, whichever replica or job run sees it first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from schemas.envelope import derived_event_id
from schemas.events import ComplaintSlaBreached
from services.feedback import store
from services.feedback.sla import (
    CLOCKS,
    Clock,
    SlaPolicy,
    Verdict,
    evaluate,
    policy_from_row,
)
from services.runtime.businesstime import Pause
from services.runtime.outbox import enqueue

log = structlog.get_logger(__name__)

SOURCE = "feedback"
HOUR = timedelta(hours=1)


# -- settings -------------------------------------------------------------------------------------


async def policy_of(conn: asyncpg.Connection | asyncpg.Pool, union_id: str) -> SlaPolicy:
    row = await conn.fetchrow("SELECT * FROM sla_settings WHERE union_id = $1", union_id)
    return policy_from_row(_settings(row))


async def policies_of(
    conn: asyncpg.Connection | asyncpg.Pool, union_ids: list[str]
) -> dict[str, SlaPolicy]:
    """Every union's policy (the defaults for unions that set nothing)."""
    rows = await conn.fetch(
        "SELECT * FROM sla_settings WHERE union_id = ANY($1::text[])", union_ids
    )
    found = {r["union_id"]: policy_from_row(_settings(r)) for r in rows}
    return {u: found.get(u, SlaPolicy()) for u in union_ids}


def _settings(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    settings = dict(row)
    if isinstance(settings["targets"], str):  # jsonb arrives as text without a codec
        settings["targets"] = json.loads(settings["targets"])
    return settings


async def save_policy(
    conn: asyncpg.Connection, union_id: str, columns: Mapping[str, Any], officer: str
) -> None:
    await conn.execute(
        "INSERT INTO sla_settings (union_id, timezone, workdays, opens, closes, national_holidays,"
        " extra_holidays, around_the_clock, targets, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, now())"
        " ON CONFLICT (union_id) DO UPDATE SET timezone = EXCLUDED.timezone,"
        " workdays = EXCLUDED.workdays, opens = EXCLUDED.opens, closes = EXCLUDED.closes,"
        " national_holidays = EXCLUDED.national_holidays,"
        " extra_holidays = EXCLUDED.extra_holidays, around_the_clock = EXCLUDED.around_the_clock,"
        " targets = EXCLUDED.targets, updated_by = EXCLUDED.updated_by, updated_at = now()",
        union_id,
        columns["timezone"],
        columns["workdays"],
        columns["opens"],
        columns["closes"],
        columns["national_holidays"],
        columns["extra_holidays"],
        columns["around_the_clock"],
        json.dumps(columns["targets"]),
        officer,
    )


# -- pauses ---------------------------------------------------------------------------------------


async def pauses_of(conn: asyncpg.Connection | asyncpg.Pool, complaint_id: UUID) -> list[Pause]:
    rows = await conn.fetch(
        "SELECT started_at, ended_at FROM clock_pauses WHERE complaint_id = $1 ORDER BY started_at",
        complaint_id,
    )
    return [(r["started_at"], r["ended_at"]) for r in rows]


async def start_pause(conn: asyncpg.Connection, complaint_id: UUID, at: datetime) -> bool:
    """Pause the clocks from `at`; False when they were already paused."""
    started = await conn.fetchval(
        "INSERT INTO clock_pauses (complaint_id, started_at) VALUES ($1, $2)"
        " ON CONFLICT (complaint_id) WHERE ended_at IS NULL DO NOTHING RETURNING true",
        complaint_id,
        at,
    )
    return bool(started)


async def end_pause(conn: asyncpg.Connection, complaint_id: UUID, at: datetime) -> bool:
    """End the open pause at `at` (never before it began); False when none was open."""
    status: str = await conn.execute(
        "UPDATE clock_pauses SET ended_at = greatest($2, started_at)"
        " WHERE complaint_id = $1 AND ended_at IS NULL",
        complaint_id,
        at,
    )
    return status.endswith(" 1")


# -- verdicts and breaches ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockSpan:
    started_at: datetime
    stopped_at: datetime | None
    round: int


def span(complaint: Mapping[str, Any], clock: Clock) -> ClockSpan:
    """Where a clock of a complaint row starts and stops; a reopening restarts `resolution`."""
    if clock == "first_response":
        return ClockSpan(complaint["submitted_at"], complaint["first_response_at"], 0)
    return ClockSpan(
        complaint.get("reopened_at") or complaint["submitted_at"],
        complaint["resolved_at"],
        complaint.get("reopen_count") or 0,
    )


def verdict(
    policy: SlaPolicy,
    complaint: Mapping[str, Any],
    clock: Clock,
    pauses: list[Pause],
    now: datetime,
) -> Verdict:
    """The SLA verdict of one clock of a complaint row (see `sla.evaluate`)."""
    s = span(complaint, clock)
    return evaluate(policy, clock, complaint["priority"], s.started_at, s.stopped_at, now, pauses)


@dataclass(frozen=True)
class ClockState:
    """Where one clock of a complaint stands, as the officers' routes show it."""

    clock: Clock
    span: ClockSpan
    verdict: Verdict
    breach_published: bool


def states(
    policy: SlaPolicy,
    complaint: Mapping[str, Any],
    pauses: list[Pause],
    breached: set[tuple[str, int]],
    now: datetime,
) -> list[ClockState]:
    """Both clocks of a complaint row as of `now`; `breached` holds the (clock, round) whose
    breach was published."""
    found = []
    for clock in CLOCKS:
        s = span(complaint, clock)
        result = verdict(policy, complaint, clock, pauses, now)
        found.append(ClockState(clock, s, result, (clock, s.round) in breached))
    return found


def waiting_on_worker(pauses: list[Pause]) -> bool:
    """An officer asked the worker something and no answer has come: the clocks are paused."""
    return any(end is None for _, end in pauses)


async def breaches_of(
    conn: asyncpg.Connection | asyncpg.Pool, complaint_id: UUID
) -> set[tuple[str, int]]:
    rows = await conn.fetch(
        "SELECT clock, round FROM sla_breaches WHERE complaint_id = $1", complaint_id
    )
    return {(r["clock"], r["round"]) for r in rows}


# A union's complaints not resolved yet, each with its pauses and published breaches: every
# clock of a union's queue in one round trip.
OPEN_COMPLAINTS_SQL = """
SELECT c.*,
       ARRAY(SELECT p.started_at FROM clock_pauses p
              WHERE p.complaint_id = c.complaint_id ORDER BY p.started_at) AS pause_starts,
       ARRAY(SELECT p.ended_at FROM clock_pauses p
              WHERE p.complaint_id = c.complaint_id ORDER BY p.started_at) AS pause_ends,
       ARRAY(SELECT b.clock FROM sla_breaches b
              WHERE b.complaint_id = c.complaint_id ORDER BY b.clock, b.round) AS breach_clocks,
       ARRAY(SELECT b.round FROM sla_breaches b
              WHERE b.complaint_id = c.complaint_id ORDER BY b.clock, b.round) AS breach_rounds
  FROM complaints c
 WHERE c.union_id = $1 AND c.resolved_at IS NULL AND c.outcome IS NULL
 ORDER BY c.submitted_at, c.complaint_id
"""


async def open_complaints(
    conn: asyncpg.Connection | asyncpg.Pool, union_id: str
) -> list[tuple[dict[str, Any], list[Pause], set[tuple[str, int]]]]:
    """The union's open complaints, oldest first, with their pauses and published breaches."""
    found = []
    for row in await conn.fetch(OPEN_COMPLAINTS_SQL, union_id):
        complaint = dict(row)
        pauses = list(zip(complaint["pause_starts"], complaint["pause_ends"], strict=True))
        breached = set(zip(complaint["breach_clocks"], complaint["breach_rounds"], strict=True))
        found.append((complaint, pauses, breached))
    return found


async def check_breaches(
    conn: asyncpg.Connection,
    complaint_id: UUID,
    now: datetime,
    policies: dict[str, SlaPolicy] | None = None,
    *,
    stopped_only: bool = False,
) -> list[ComplaintSlaBreached]:
    """Record and publish (outbox) each clock of the complaint that is newly breached.

    Call inside a transaction: the breach row and its event commit together. Handlers pass
    `stopped_only`: a clock that stopped late is theirs to report, while running clocks are the
    job's, whose `now` tests can set.
    """
    complaint = await store.complaint(conn, complaint_id)
    if complaint is None or complaint["priority"] is None:
        return []
    union_id = complaint["union_id"]
    if policies is not None and union_id in policies:
        policy = policies[union_id]
    else:
        policy = await policy_of(conn, union_id)
    pauses = await pauses_of(conn, complaint_id)
    published: list[ComplaintSlaBreached] = []
    for clock in CLOCKS:
        if stopped_only and span(complaint, clock).stopped_at is None:
            continue
        result = verdict(policy, complaint, clock, pauses, now)
        if result.status != "breached":
            continue
        assert result.deadline is not None and result.target is not None
        s = span(complaint, clock)
        inserted = await conn.fetchval(
            "INSERT INTO sla_breaches (complaint_id, clock, round, union_id, priority, deadline,"
            " detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT DO NOTHING RETURNING true",
            complaint_id,
            clock,
            s.round,
            union_id,
            complaint["priority"],
            result.deadline,
            now,
        )
        if not inserted:
            continue
        event = ComplaintSlaBreached(
            complaint_id=complaint_id,
            union_id=union_id,
            federation=await conn.fetchval(
                "SELECT federation FROM unions WHERE union_id = $1", union_id
            ),
            clock=clock,
            round=s.round,
            priority=complaint["priority"],
            target_hours=round(result.target / HOUR, 4),
            counted="around_the_clock"
            if complaint["priority"] in policy.around_the_clock
            else "working_hours",
            started_at=s.started_at,
            deadline=result.deadline,
            stopped_at=s.stopped_at,
            detected_at=now,
        )
        await enqueue(
            conn,
            event,
            source=SOURCE,
            event_id=derived_event_id(complaint_id, "sla_breached", clock, s.round),
        )
        log.info(
            "sla_breached",
            complaint_id=str(complaint_id),
            union_id=union_id,
            clock=clock,
            round=s.round,
        )
        published.append(event)
    return published


OPEN_CLOCKS_SQL = """
SELECT c.complaint_id, c.union_id FROM complaints c
 WHERE c.priority IS NOT NULL AND (
       (c.first_response_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM sla_breaches b
             WHERE b.complaint_id = c.complaint_id AND b.clock = 'first_response'))
    OR (c.resolved_at IS NULL AND c.outcome IS NULL AND NOT EXISTS (
            SELECT 1 FROM sla_breaches b
             WHERE b.complaint_id = c.complaint_id AND b.clock = 'resolution'
               AND b.round = c.reopen_count)))
 ORDER BY c.submitted_at
"""


async def scan(pool: asyncpg.Pool, now: datetime) -> int:
    """Publish a breach for every running clock past its deadline as of `now`; return how many.

    `now` is a parameter so tests can move time; the service passes the wall clock. Each
    complaint is checked in its own transaction, with its row locked, so a handler stopping the
    same clock waits rather than racing.
    """
    candidates = await pool.fetch(OPEN_CLOCKS_SQL)
    if not candidates:
        return 0
    policies = await policies_of(pool, sorted({r["union_id"] for r in candidates}))
    published = 0
    for row in candidates:
        try:
            async with pool.acquire() as conn, conn.transaction():
                await store.lock_complaint(conn, row["complaint_id"])
                published += len(await check_breaches(conn, row["complaint_id"], now, policies))
        except Exception:
            # One complaint that cannot be judged must not hide every other union's breaches;
            # it is tried again at the next scan.
            log.exception("sla_scan_failed_for_complaint", complaint_id=str(row["complaint_id"]))
    return published
