"""The outbox wakes its relay from the database: a committed event notifies, a rolled back one
does not, and the writer spends no statement of its own on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import REGISTRY

from schemas.topics import UNION_REGISTERED
from services.runtime.db import create_pool
from services.runtime.messaging import EventBus
from services.runtime.outbox import (
    QUIET_OUTBOX,
    OutboxRelay,
    enqueue,
    first_time,
    forget_processed,
    notify_channel,
)
from services.runtime.settings import ServiceSettings
from services.stack.embedded import create_topics
from tests.support import read_topic, union_registered


@pytest.fixture()
async def pool(database_url: str, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh service schema holding only the kit's tables (outbox and all)."""
    service_pool = await create_pool(
        database_url, schema=f"svc_{uuid.uuid4().hex[:8]}", migrations=tmp_path
    )
    yield service_pool
    await service_pool.close()


@pytest.fixture()
async def quiet_pool(database_url: str, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    """Like `pool`, opened with QUIET_OUTBOX, as intake opens its own."""
    service_pool = await create_pool(
        database_url,
        schema=f"svc_{uuid.uuid4().hex[:8]}",
        migrations=tmp_path,
        settings=QUIET_OUTBOX,
    )
    yield service_pool
    await service_pool.close()


@asynccontextmanager
async def hearing(pool: asyncpg.Pool, database_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """The channel names of the notifications the relay of `pool`'s schema would receive."""
    async with pool.acquire() as conn:
        channel = await notify_channel(conn)
    listener = await asyncpg.connect(database_url)
    notifications: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(channel, lambda *args: notifications.put_nowait(args[2]))
    try:
        yield notifications
    finally:
        await listener.close()


@asynccontextmanager
async def started_bus(bootstrap: str, prefix: str, service: str) -> AsyncIterator[EventBus]:
    """A started bus of `service` whose union-registered topic exists."""
    settings = ServiceSettings(kafka_bootstrap_servers=bootstrap, topic_prefix=prefix)
    await create_topics(bootstrap, [(prefix + UNION_REGISTERED.name, 1)])
    bus = EventBus(settings, service)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


class TestOutboxNotification:
    """The relay sleeps until NOTIFY says a row was committed (polling is only a safety net)."""

    async def test_a_committed_event_notifies_once_per_transaction(
        self, pool: asyncpg.Pool, database_url: str
    ) -> None:
        async with hearing(pool, database_url) as heard:
            async with pool.acquire() as conn, conn.transaction():
                await enqueue(conn, union_registered(), source="test")
                await enqueue(conn, union_registered(), source="test")
                await asyncio.sleep(0.2)
                assert heard.empty()  # nothing before the commit
            channel = await asyncio.wait_for(heard.get(), timeout=5)
            assert channel == "aduan_outbox." + await pool.fetchval("SELECT current_schema()")
            await asyncio.sleep(0.3)
            assert heard.empty()  # one wake-up for the transaction, not one per row

    async def test_a_rolled_back_event_does_not_notify(
        self, pool: asyncpg.Pool, database_url: str
    ) -> None:
        async with hearing(pool, database_url) as heard:
            async with pool.acquire() as conn:
                tx = conn.transaction()
                await tx.start()
                await enqueue(conn, union_registered(), source="test")
                await tx.rollback()
            await asyncio.sleep(0.5)
            assert heard.empty()

    async def test_another_services_commit_does_not_wake_this_relay(
        self, pool: asyncpg.Pool, database_url: str, tmp_path: Path
    ) -> None:
        """Services share a database: one channel for all woke every relay on every commit."""
        other = await create_pool(
            database_url, schema=f"svc_{uuid.uuid4().hex[:8]}", migrations=tmp_path
        )
        try:
            async with hearing(pool, database_url) as heard:
                async with other.acquire() as conn:
                    await enqueue(conn, union_registered(), source="other")
                async with hearing(other, database_url) as heard_by_other:
                    async with other.acquire() as conn:
                        await enqueue(conn, union_registered(), source="other")
                    assert await asyncio.wait_for(heard_by_other.get(), timeout=5)
                await asyncio.sleep(0.3)
                assert heard.empty()
        finally:
            await other.close()


class TestQuietWriters:
    """A service whose writers wake their own relay adds rows without a notification: a
    notifying commit queues behind every other one in the database."""

    async def test_a_quiet_connection_commits_without_notifying(
        self, quiet_pool: asyncpg.Pool, database_url: str
    ) -> None:
        async with hearing(quiet_pool, database_url) as heard:
            async with quiet_pool.acquire() as conn:
                await enqueue(conn, union_registered(), source="test")
            await asyncio.sleep(0.5)
            assert heard.empty()

    async def test_waking_the_relay_publishes_without_waiting_for_its_poll(
        self, quiet_pool: asyncpg.Pool, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        async with started_bus(kafka_bootstrap, topic_prefix, "quiet") as bus:
            # A poll so long that only the wake-up can explain a publication within the test.
            relay = OutboxRelay(quiet_pool, bus, poll_seconds=3600)
            await relay.start()
            try:
                await asyncio.sleep(0.2)  # the relay's first pass found nothing and sleeps
                async with quiet_pool.acquire() as conn:
                    event_id = await enqueue(conn, union_registered("spn"), source="test")
                assert await _published_at(quiet_pool, event_id, wait_s=2.0) is None
                relay.wake()
                assert await _published_at(quiet_pool, event_id) is not None
            finally:
                await relay.stop()


class TestParking:
    """A row the broker cannot take is set aside with its reason; the rows behind it go out."""

    async def test_an_oversized_row_is_parked_and_the_next_is_published(
        self, pool: asyncpg.Pool, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        topic = UNION_REGISTERED.name
        async with started_bus(kafka_bootstrap, topic_prefix, "parking") as bus:
            await pool.execute(
                "INSERT INTO outbox (event_id, topic, key, body, headers)"
                " VALUES ('too-big', $1, NULL, $2, '{}')",
                topic,
                b"x" * (2 * 1024 * 1024),
            )
            async with pool.acquire() as conn:
                behind = await enqueue(conn, union_registered("garteks"), source="test")
            assert await OutboxRelay(pool, bus).publish_pending() == 2
        rows = {
            r["event_id"]: r
            for r in await pool.fetch(
                "SELECT event_id, published_at, parked_at, park_reason FROM outbox"
            )
        }
        assert rows["too-big"]["parked_at"] is not None
        assert rows["too-big"]["park_reason"].startswith("MessageSizeTooLargeError")
        assert rows[behind]["published_at"] is not None
        [record] = await read_topic(kafka_bootstrap, topic_prefix + topic)
        assert record.json()["union_id"] == "garteks"
        assert REGISTRY.get_sample_value("aduan_outbox_parked", {"service": "parking"}) == 1
        assert REGISTRY.get_sample_value("aduan_outbox_pending", {"service": "parking"}) == 0


class TestRetention:
    """Published rows are kept for a while (a consumer meeting its input again re-sends the
    stored answer), then deleted: the table no longer grows with every event ever sent."""

    async def test_only_rows_published_before_the_retention_go(
        self, pool: asyncpg.Pool, kafka_bootstrap: str, topic_prefix: str
    ) -> None:
        async with pool.acquire() as conn:
            old = await enqueue(conn, union_registered("spn"), source="test")
            recent = await enqueue(conn, union_registered("garteks"), source="test")
            waiting = await enqueue(conn, union_registered("fsp_tsk"), source="test")
        await pool.execute(
            "UPDATE outbox SET published_at = now() - interval '8 days' WHERE event_id = $1", old
        )
        await pool.execute("UPDATE outbox SET published_at = now() WHERE event_id = $1", recent)
        async with started_bus(kafka_bootstrap, topic_prefix, "retention") as bus:
            forgotten = await OutboxRelay(pool, bus).forget_published(timedelta(days=7))
        assert forgotten == 1
        kept = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM outbox")}
        assert kept == {recent, waiting}


class TestProcessedEventsRetention:
    """The consumers' record of applied events is kept for the retention, then deleted: the
    table no longer grows by a row per event per consumer for ever, and an event that comes
    again within the retention is still dropped."""

    async def _record(
        self, pool: asyncpg.Pool, consumer: str, event_id: str, age: timedelta
    ) -> None:
        async with pool.acquire() as conn:
            assert await first_time(conn, consumer, event_id)
        await pool.execute(
            "UPDATE processed_events SET processed_at = now() - $1::interval WHERE event_id = $2",
            age,
            event_id,
        )

    async def test_only_records_older_than_the_retention_go(self, pool: asyncpg.Pool) -> None:
        await self._record(pool, "recommend", "old", timedelta(days=31))
        await self._record(pool, "recommend", "recent", timedelta(days=29))
        forgotten = await forget_processed(pool, timedelta(days=30))
        assert forgotten == 1
        async with pool.acquire() as conn:
            assert not await first_time(conn, "recommend", "recent"), "a redelivery is dropped"
            assert await first_time(conn, "recommend", "old"), "its record is gone"

    async def test_a_large_backlog_goes_in_batches_and_all_of_it(self, pool: asyncpg.Pool) -> None:
        for n in range(7):
            await self._record(pool, "feedback", f"old-{n}", timedelta(days=40))
        await self._record(pool, "feedback", "today", timedelta(hours=1))
        forgotten = await forget_processed(pool, timedelta(days=30), batch_rows=3)
        assert forgotten == 7
        kept = await pool.fetch("SELECT event_id FROM processed_events")
        assert [r["event_id"] for r in kept] == ["today"]


class TestRelayOutlivesFailures:
    """The relay is the only way committed events leave a service: no failure may end it."""

    async def test_a_restarting_database_and_an_unforeseen_error_do_not_stop_it(
        self,
        pool: asyncpg.Pool,
        kafka_bootstrap: str,
        topic_prefix: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A restarted PostgreSQL answers "not yet accepting connections" for a moment; that
        once ended the relay's task, and every later event stayed in the table."""
        failures: list[Exception] = [
            asyncpg.CannotConnectNowError("the database system is not yet accepting connections"),
            RuntimeError("something nobody foresaw"),
        ]
        async with started_bus(kafka_bootstrap, topic_prefix, "relay-failures") as bus:
            relay = OutboxRelay(pool, bus, poll_seconds=0.05)
            publish = relay.publish_pending

            async def failing_first() -> int:
                if failures:
                    raise failures.pop(0)
                return await publish()

            monkeypatch.setattr(relay, "publish_pending", failing_first)
            await relay.start()
            try:
                async with pool.acquire() as conn:
                    event_id = await enqueue(conn, union_registered("spn"), source="test")
                published = await _published_at(pool, event_id)
            finally:
                await relay.stop()
        assert not failures
        assert published is not None
        [record] = await read_topic(kafka_bootstrap, topic_prefix + UNION_REGISTERED.name)
        assert record.json()["union_id"] == "spn"


async def _published_at(pool: asyncpg.Pool, event_id: str, wait_s: float = 10.0) -> object:
    """The row's published_at once the relay has set it, None if it never did within `wait_s`."""
    for _ in range(int(wait_s / 0.05)):
        published = await pool.fetchval(
            "SELECT published_at FROM outbox WHERE event_id = $1", event_id
        )
        if published is not None:
            return published
        await asyncio.sleep(0.05)
    return None
