"""The embedded stack: Kafka semantics the services rely on, and PostgreSQL + pgvector."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

from services.runtime.http import ServiceRuntime
from services.runtime.settings import ServiceSettings
from services.stack.embedded import (
    BrokerStartError,
    EmbeddedBroker,
    EmbeddedPostgres,
    create_topics,
    free_port,
)
from tests.conftest import (
    TEST_CONSUME_TIMEOUT_S,
    TEST_HEARTBEAT_INTERVAL_MS,
    TEST_SESSION_TIMEOUT_MS,
)
from tests.support import eventually


def _consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=TEST_SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=TEST_HEARTBEAT_INTERVAL_MS,
    )


async def _consume(consumer: AIOKafkaConsumer, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    """Read exactly ``count`` records (failing on timeout), then check nothing more arrives."""
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + TEST_CONSUME_TIMEOUT_S
    while len(records) < count:
        assert time.monotonic() < deadline, f"got {len(records)}/{count} records"
        batches = await consumer.getmany(timeout_ms=200)
        for batch in batches.values():
            records.extend(batch)
    extra = await consumer.getmany(timeout_ms=300)
    assert not any(extra.values()), f"unexpected extra records: {extra}"
    return records


async def test_round_trip_keys_headers_and_group_resume(
    kafka_bootstrap: str, topic_prefix: str, unique_group: Callable[[str], str]
) -> None:
    topic = f"{topic_prefix}roundtrip"
    await create_topics(kafka_bootstrap, [(topic, 3)])
    group = unique_group("roundtrip")

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        sent: dict[tuple[int, int], tuple[bytes, bytes, list[tuple[str, bytes]]]] = {}

        async def send(key: bytes, value: bytes) -> int:
            headers = [("trace-id", key + b"-trace"), ("schema", b"grievance.v1")]
            meta = await producer.send_and_wait(topic, value, key=key, headers=headers)
            sent[(meta.partition, meta.offset)] = (key, value, headers)
            return meta.partition

        # Keys spread over partitions; the same key always lands on the same partition.
        first_partitions = {key: await send(key, b"a-" + key) for key in (b"k0", b"k1", b"k2")}
        first_partitions |= {b"k3": await send(b"k3", b"a-k3"), b"k4": await send(b"k4", b"a-k4")}
        assert await send(b"k0", b"a-k0-again") == first_partitions[b"k0"]
        assert len(set(first_partitions.values())) > 1, "default partitioner used one partition"
        batch_a = dict(sent)

        # 1st consumer: reads everything from the start and commits.
        consumer = _consumer(kafka_bootstrap, topic, group)
        started = time.monotonic()
        await consumer.start()
        try:
            records = await _consume(consumer, len(batch_a))
            join_s = time.monotonic() - started
            for rec in records:
                key, value, headers = batch_a[(rec.partition, rec.offset)]
                assert (rec.key, rec.value, list(rec.headers)) == (key, value, headers)
                assert rec.topic == topic
            await consumer.commit()
        finally:
            await consumer.stop()
        # First join of a fresh group: ~session_timeout/2 on Tansu. Generous bound for CI.
        assert join_s < TEST_CONSUME_TIMEOUT_S

        # More records after the commit.
        sent.clear()
        for key in (b"k5", b"k6", b"k0"):
            await send(key, b"b-" + key)
        batch_b = dict(sent)
    finally:
        await producer.stop()

    # 2nd consumer, same group: resumes after the committed offsets, sees only batch B.
    consumer = _consumer(kafka_bootstrap, topic, group)
    await consumer.start()
    try:
        records = await _consume(consumer, len(batch_b))
        assert {(r.partition, r.offset) for r in records} == set(batch_b)
        assert all(r.value is not None and r.value.startswith(b"b-") for r in records)
        await consumer.commit()
        partitions = [TopicPartition(topic, p) for p in range(3)]
        end_offsets = await consumer.end_offsets(partitions)
        for tp in partitions:
            assert await consumer.committed(tp) == end_offsets[tp]
    finally:
        await consumer.stop()


async def test_create_topics_is_idempotent(kafka_bootstrap: str, topic_prefix: str) -> None:
    a, b = f"{topic_prefix}a", f"{topic_prefix}b"
    assert sorted(await create_topics(kafka_bootstrap, [(a, 3), (b, 1)])) == [a, b]
    assert await create_topics(kafka_bootstrap, [(a, 3), (b, 1)]) == []
    # Mixed: existing topics are skipped, new ones created.
    c = f"{topic_prefix}c"
    assert await create_topics(kafka_bootstrap, [(a, 3), (c, 2)]) == [c]
    # Concurrent creators do not fail on "already exists".
    d = f"{topic_prefix}d"
    results = await asyncio.gather(*(create_topics(kafka_bootstrap, [(d, 2)]) for _ in range(3)))
    assert sum(len(r) for r in results) >= 1

    # (An AIOKafkaConsumer without group_id is avoided here: stopping it right after start()
    # raises CancelledError, aiokafka issue #647.)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([a, b, c, d])}
    finally:
        await admin.close()
    for name, partitions in ((a, 3), (b, 1), (c, 2), (d, 2)):
        assert described[name]["error_code"] == 0
        assert len(described[name]["partitions"]) == partitions


def test_broker_refuses_busy_port(tmp_path: Path) -> None:
    # Tansu itself would start a second broker on a busy port (SO_REUSEPORT) and the kernel would
    # then split connections between the two; EmbeddedBroker must refuse instead.
    port = free_port()
    with EmbeddedBroker(tmp_path / "first", port=port) as first:
        assert first.bootstrap_servers == f"127.0.0.1:{port}"
        second = EmbeddedBroker(tmp_path / "second", port=port, startup_timeout=5)
        with pytest.raises(BrokerStartError, match="already in use"):
            second.start()
        assert not second.running
    assert not first.running


def test_broker_start_failure_shows_log_tail(tmp_path: Path) -> None:
    # A "binary" that logs and exits stands in for a broker that cannot start.
    fake = tmp_path / "fake-tansu"
    fake.write_text("#!/bin/sh\necho 'error: storage engine exploded' >&2\nexit 3\n")
    fake.chmod(0o755)
    broker = EmbeddedBroker(tmp_path / "work", port=free_port(), binary=fake, startup_timeout=5)
    with pytest.raises(BrokerStartError) as info:
        broker.start()
    message = str(info.value)
    assert "exited with code 3" in message
    assert "storage engine exploded" in message
    assert str(broker.log_path) in message
    assert not broker.running


def test_broker_stop_is_idempotent(tmp_path: Path) -> None:
    broker = EmbeddedBroker(tmp_path).start()
    assert broker.running
    broker.stop()
    broker.stop()
    assert not broker.running
    assert broker.log_path.exists()
    with pytest.raises(RuntimeError):
        _ = broker.bootstrap_servers


async def test_a_killed_broker_comes_back_on_its_port_and_health_says_so(
    tmp_path: Path,
) -> None:
    """kill -9 of the broker: /health stops saying "ok"; `restart` brings it back where the
    clients look for it, and they find it again by themselves."""
    broker = EmbeddedBroker(tmp_path / "broker").start()
    try:
        address = broker.bootstrap_servers
        runtime = ServiceRuntime("probe", ServiceSettings(kafka_bootstrap_servers=address))
        await runtime.start()
        try:
            assert (await runtime.health()).checks["broker"] == "ok"
            assert broker.pid is not None
            os.kill(broker.pid, signal.SIGKILL)
            await asyncio.sleep(0.5)
            assert not broker.running
            report = await runtime.health()
            assert report.status == "degraded"
            assert report.checks["broker"] == "unreachable"
            broker.restart()
            assert broker.bootstrap_servers == address

            async def reachable() -> bool:
                return bool((await runtime.health()).checks["broker"] == "ok")

            await eventually(reachable, timeout=30)
        finally:
            await runtime.stop()
    finally:
        broker.stop()


async def test_postgres_data_survives_restart() -> None:
    # A short path: the unix socket lives in the data directory (see conftest).
    with tempfile.TemporaryDirectory(prefix="aduan-pgtest-", ignore_cleanup_errors=True) as base:
        pg = EmbeddedPostgres(Path(base) / "data")
        with pg:
            url = await pg.ensure_database("aduan_restart")
            assert await pg.ensure_database("aduan_restart") == url  # idempotent
            conn = await asyncpg.connect(url)
            try:
                await conn.execute("CREATE TABLE kept (id int PRIMARY KEY, note text)")
                await conn.execute("INSERT INTO kept VALUES (1, 'serikat'), (2, 'buruh')")
            finally:
                await conn.close()
            first_pid = pg.pid
        assert not pg.running

        with pg:
            assert pg.pid != first_pid, "expected a fresh postmaster after stop()"
            conn = await asyncpg.connect(pg.database_url("aduan_restart"))
            try:
                rows = await conn.fetch("SELECT id, note FROM kept ORDER BY id")
                assert [tuple(r) for r in rows] == [(1, "serikat"), (2, "buruh")]
            finally:
                await conn.close()


async def test_pgvector_cosine_ordering_with_hnsw(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CREATE TABLE docs (id int PRIMARY KEY, embedding vector(3) NOT NULL)")
        await conn.execute(
            "INSERT INTO docs VALUES"
            " (1, '[1, 0, 0]'), (2, '[0.9, 0.1, 0]'), (3, '[0, 1, 0]'), (4, '[-1, 0, 0]')"
        )
        await conn.execute(
            "CREATE INDEX docs_hnsw ON docs USING hnsw (embedding vector_cosine_ops)"
        )
        # Force the index so the test exercises HNSW rather than a sequential scan.
        await conn.execute("SET enable_seqscan = off")
        query = "SELECT id, embedding <=> '[1, 0.05, 0]' AS d FROM docs ORDER BY d LIMIT 4"
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + query))
        assert "docs_hnsw" in plan, plan
        rows = await conn.fetch(query)
        assert [r["id"] for r in rows] == [1, 2, 3, 4]
        distances = [r["d"] for r in rows]
        assert distances == sorted(distances)
        assert distances[-1] == pytest.approx(2.0, abs=0.01)  # opposite direction
    finally:
        await conn.close()


async def test_database_fixture_is_fresh_with_vector(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        assert tables == 0
        assert (
            await conn.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'vector'") == 1
        )
    finally:
        await conn.close()
