"""Helpers for tests that run services in-process against the real broker and database."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from pydantic import SecretStr

from schemas.envelope import CE_ID
from schemas.events import Event, UnionRegistered
from schemas.topics import all_topic_partitions, topic_for
from services.runtime.messaging import Delivery, key_of
from services.runtime.sealing import Sealer
from services.stack.embedded import create_topics
from tests.conftest import (
    TEST_CONSUME_TIMEOUT_S,
    TEST_HEARTBEAT_INTERVAL_MS,
    TEST_SESSION_TIMEOUT_MS,
)

# The integration tests seal dead letters as a deployment (and `aduan up`) does.
DEAD_LETTER_KEY = SecretStr("integration-tests-dead-letter-key-0123456789")
DEAD_LETTERS = Sealer([DEAD_LETTER_KEY])
CONTACT_KEY = SecretStr("integration-tests-contact-key-0123456789abcdef")


def delivered(event: Event, event_id: str | None = None) -> tuple[Any, Delivery]:
    """`event` as a consumer's poll hands it over (a fresh event id unless one is given)."""
    delivery = Delivery(
        event_id=event_id or str(uuid.uuid4()),
        topic="test",
        partition=0,
        offset=0,
        headers={},
        correlation_id="test",
    )
    return event, delivery


def union_registered(union_id: str = "spn") -> UnionRegistered:
    """A union's registration event, as intake announces it."""
    return UnionRegistered(
        union_id=union_id,
        name=f"Serikat Pekerja {union_id.upper()}",
        api_key_hash="0" * 64,
        registered_at=datetime.now(UTC),
    )


@dataclass(frozen=True)
class Infra:
    """Where one test's services live: its broker, its database, its topic prefix."""

    kafka: str
    database_url: str
    prefix: str

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "DATABASE_URL": self.database_url,
            "topic_prefix": self.prefix,
            "consumer_session_timeout_ms": TEST_SESSION_TIMEOUT_MS,
            "consumer_heartbeat_interval_ms": TEST_HEARTBEAT_INTERVAL_MS,
            "tracking_key": "test-tracking-key",
            "outbox_poll_seconds": 0.2,
            "handler_backoff_seconds": 0.01,
            "dead_letter_keys": [DEAD_LETTER_KEY],
            "contact_keys": [CONTACT_KEY],
            **extra,
        }

    async def create_topics(self) -> None:
        await create_topics(self.kafka, all_topic_partitions(self.prefix))

    async def publish(self, event: Event) -> None:
        """Publish `event` as its producer would: its topic, its key, a fresh CloudEvents id."""
        topic = topic_for(event)
        key = key_of(event, topic)
        await produce(
            self.kafka,
            self.prefix + topic.name,
            event.model_dump_json().encode(),
            key=key.decode() if key else None,
            headers={CE_ID: str(uuid.uuid4())},
        )


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (database, consumers, relay) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@dataclass(frozen=True)
class Record:
    topic: str
    key: str | None
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def read_topic(
    kafka: str,
    topic: str,
    *,
    count: int = 1,
    timeout: float = TEST_CONSUME_TIMEOUT_S,
    where: Callable[[Record], bool] = lambda r: True,
) -> list[Record]:
    """Read from the start of `topic` until `count` records match `where` (or time runs out)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    found: list[Record] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    record = Record(
                        r.topic,
                        r.key.decode() if r.key else None,
                        {k: v.decode() for k, v in r.headers},
                        r.value or b"",
                    )
                    if where(record):
                        found.append(record)
    finally:
        await consumer.stop()
    return found


async def produce(
    kafka: str,
    topic: str,
    body: bytes,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            body,
            key=key.encode() if key else None,
            headers=[(k, v.encode()) for k, v in (headers or {}).items()],
        )
    finally:
        await producer.stop()


async def eventually(
    check: Callable[[], Any], *, timeout: float = TEST_CONSUME_TIMEOUT_S, interval: float = 0.2
) -> Any:
    """Poll an async or sync `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
