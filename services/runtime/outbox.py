"""Transactional outbox and its relay, plus the processed-event record of idempotent consumers.

`enqueue` writes an event inside the caller's transaction; `OutboxRelay` publishes what was
committed, oldest first, and marks it published. A crash between publish and mark republishes
the event with the same CloudEvents id, which consumers drop as a duplicate.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog
from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordTooLargeError

from schemas.envelope import body_bytes, cloudevent_headers
from schemas.events import Event
from schemas.topics import topic_for
from services.runtime.db import rows_affected
from services.runtime.messaging import TRANSIENT_ERRORS, EventBus, key_of
from services.runtime.metrics import OUTBOX_PARKED, OUTBOX_PENDING

log = structlog.get_logger(__name__)

# The outbox's insert trigger notifies this channel with its schema appended
# (migrations/008_outbox_notify_per_schema.sql): a relay hears its own service's commits only.
NOTIFY_CHANNEL_PREFIX = "aduan_outbox."
# A pool setting that keeps its connections' outbox inserts from notifying: for a service whose
# writers wake their own process's relay (OutboxRelay.wake; migrations/003).
QUIET_OUTBOX = {"aduan.outbox_notify": "off"}
# Rows published per round trip: big enough to drain a burst quickly, small enough that a
# relay holding the row locks never blocks a second relay for long.
RELAY_BATCH = 200
# Errors that are the row's fault, not the broker's: retrying cannot help, and a relay that
# retried would hold every row behind it (other unions' responses, say) for good.
UNPUBLISHABLE: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
    ValueError,
    TypeError,
)


@dataclass(frozen=True)
class OutboxRow:
    """One event as the outbox stores it (the columns of its row, in order)."""

    event_id: str
    topic: str
    key: bytes | None
    body: bytes
    headers: str

    def values(self) -> tuple[str, str, bytes | None, bytes, str]:
        return (self.event_id, self.topic, self.key, self.body, self.headers)


def outbox_row(
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    correlation_id: str | None = None,
) -> OutboxRow:
    """`event` serialised for the outbox: a service whose own statement writes the row (intake
    stores a submission and its event in one round trip) builds it here, as `enqueue` does."""
    topic = topic_for(event)
    headers = cloudevent_headers(
        event, source=source, event_id=event_id, correlation_id=correlation_id
    )
    return OutboxRow(
        headers["ce_id"], topic.name, key_of(event, topic), body_bytes(event), json.dumps(headers)
    )


async def notify_channel(conn: asyncpg.Connection) -> str:
    """The channel the outbox of `conn`'s service schema (first on its search_path) notifies."""
    schema: str = await conn.fetchval("SELECT current_schema()")
    return NOTIFY_CHANNEL_PREFIX + schema


async def enqueue(
    conn: asyncpg.Connection,
    event: Event,
    *,
    source: str,
    event_id: str | None = None,
    correlation_id: str | None = None,
) -> str:
    """Add `event` to the outbox in the caller's transaction; return its event id.

    The same event id enqueued twice is stored once, so replaying an input is harmless.
    """
    row = outbox_row(event, source=source, event_id=event_id, correlation_id=correlation_id)
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, body, headers) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (event_id) DO NOTHING",
        *row.values(),
    )
    return row.event_id


async def replay(conn: asyncpg.Connection, event_id: str) -> bool:
    """Send an already-published event again (its input came back after the broker lost it)."""
    status: str = await conn.execute(
        "UPDATE outbox SET published_at = NULL WHERE event_id = $1", event_id
    )
    await conn.execute("SELECT pg_notify($1 || current_schema(), '')", NOTIFY_CHANNEL_PREFIX)
    return status.endswith(" 1")


async def first_times(conn: asyncpg.Connection, consumer: str, event_ids: list[str]) -> set[str]:
    """`first_time` for a poll's events in one statement: the ids `consumer` had not applied
    (an id twice in `event_ids` is recorded, and returned, once)."""
    rows = await conn.fetch(
        "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::text[])"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        event_ids,
    )
    return {row["event_id"] for row in rows}


async def first_time(conn: asyncpg.Connection, consumer: str, event_id: str) -> bool:
    """Record that `consumer` applied `event_id`; False when it already had (a redelivery)."""
    inserted = await conn.fetchval(
        "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(inserted)


# Rows deleted per statement: a first run on a table that grew for months must not hold one
# transaction over millions of rows, and the consumers insert beside it the whole time.
FORGET_BATCH_ROWS = 10_000


async def forget_processed(
    pool: asyncpg.Pool, older_than: timedelta, batch_rows: int = FORGET_BATCH_ROWS
) -> int:
    """Delete processed-event records older than `older_than`, a batch at a time; how many went.

    A redelivery older than that would be applied again, so the retention must outlast every
    way an event comes back: the broker's own retention, a consumer group's expired offsets
    (read again from the earliest), the outbox's re-sends.
    """
    forgotten = 0
    while True:
        status: str = await pool.execute(
            "DELETE FROM processed_events WHERE ctid = ANY(ARRAY("
            " SELECT ctid FROM processed_events WHERE processed_at < now() - $1::interval"
            " LIMIT $2))",
            older_than,
            batch_rows,
        )
        deleted = rows_affected(status)
        forgotten += deleted
        if deleted < batch_rows:
            return forgotten


class OutboxRelay:
    """Publishes committed outbox rows; woken by NOTIFY, with polling as the safety net."""

    def __init__(self, pool: asyncpg.Pool, bus: EventBus, poll_seconds: float = 1.0) -> None:
        self.pool = pool
        self.bus = bus
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._channel = ""

    def wake(self, *_: object) -> None:
        """Publish now: rows were committed (a NOTIFY's callback, or a writer of this process
        whose connection does not notify)."""
        self._wake.set()

    async def start(self) -> None:
        self._listener = await self.pool.acquire()
        self._channel = await notify_channel(self._listener)
        await self._listener.add_listener(self._channel, self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            with suppress(*TRANSIENT_ERRORS):
                await self._listener.remove_listener(self._channel, self.wake)
            await self.pool.release(self._listener)
        # Whatever was committed but not yet sent is published now, so a clean stop drains.
        with suppress(*TRANSIENT_ERRORS):
            await self.publish_pending()

    async def _run(self) -> None:
        while True:
            try:
                while await self.publish_pending() == RELAY_BATCH:
                    pass
            except TRANSIENT_ERRORS as exc:
                log.warning("outbox_relay_waiting", reason=repr(exc))
                with suppress(*TRANSIENT_ERRORS):
                    await self.count_waiting()
            except Exception:
                # The relay is the only way committed events leave the service: it must outlive
                # any one failure. Before, an error it did not foresee ended its task silently
                # and every later event stayed in the table.
                log.exception("outbox_relay_failed")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def publish_pending(self) -> int:
        """Publish one batch of waiting rows in id order; return how many were taken (sent or
        parked)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, event_id, topic, key, body, headers FROM outbox"
                " WHERE published_at IS NULL AND parked_at IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                RELAY_BATCH,
            )
            sent = []
            for row in rows:
                try:
                    await self.bus.publish_raw(
                        row["topic"], row["body"], row["key"], json.loads(row["headers"])
                    )
                except UNPUBLISHABLE as exc:
                    await self._park(conn, row, exc)
                else:
                    sent.append(row["id"])
            if sent:
                await conn.execute(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", sent
                )
        await self.count_waiting()
        return len(rows)

    async def _park(self, conn: asyncpg.Connection, row: asyncpg.Record, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:500]
        await conn.execute(
            "UPDATE outbox SET parked_at = now(), park_reason = $2 WHERE id = $1", row["id"], reason
        )
        log.error(
            "outbox_row_parked",
            event_id=row["event_id"],
            topic=row["topic"],
            size=len(row["body"]),
            reason=reason,
        )

    async def forget_published(self, older_than: timedelta) -> int:
        """Delete rows published more than `older_than` ago; how many went."""
        status: str = await self.pool.execute(
            "DELETE FROM outbox WHERE published_at < now() - $1::interval", older_than
        )
        return rows_affected(status)

    async def count_waiting(self) -> None:
        """Set the pending and parked gauges from the table (not from what this pass saw)."""
        # Each count reads its own partial index (migrations 002 and 004), never the published
        # rows, which stay in the table for the retention (a week).
        pending, parked = await self.pool.fetchrow(
            "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL),"
            " (SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NOT NULL)"
        )
        OUTBOX_PENDING.labels(self.bus.service).set(pending)
        OUTBOX_PARKED.labels(self.bus.service).set(parked)
