"""Poison on every topic the services consume: each event ends handled, rejected or
dead-lettered, and every partition moves on.

The four services run as processes. On every partition of every consumed topic go garbage bytes,
an empty body, JSON that is no object, an object of the wrong shape and an oversized one; on the
complaint topics also real events turned bad (a replay under a new id, a duplicate id, a
complaint that does not exist, a union that does not exist, a future schema version). Then a
new complaint must still travel the whole pipeline, and each service's own counters must account
for every poison event it read.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from schemas.envelope import CE_ID, CE_SPECVERSION
from schemas.topics import (
    COMPLAINT_RECEIVED,
    COMPLAINT_RECOMMENDED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    TOPICS,
    Topic,
)
from services.stack.supervisor import SERVICES
from tests.e2e.conftest import Stack, running_stack
from tests.support import DEAD_LETTER_KEY, DEAD_LETTERS, Infra, Record, eventually, read_topic

TRACKING_KEY = "fuzz-events-tracking-key"
# A forged event waits this long for the complaint it names before it is dead-lettered.
PATIENCE_SECONDS = 4
PIPELINE_TIMEOUT_S = 90.0
# Outcomes that end an event; `redelivered` does not.
FINAL = ("handled", "rejected", "dead_lettered")

CONSUMED = [t for t in TOPICS if set(t.consumers) & set(SERVICES)]
STRUCTURAL: list[bytes] = [
    b"\x00\xff\x8f not json at all",
    b"",
    b"[1, 2, 3]",
    json.dumps({"complaint_id": "bukan-uuid", "text": 42}).encode(),
    json.dumps({"text": "x" * 700_000}).encode(),  # oversized, and the wrong shape
]
Mutation = Callable[[dict[str, object]], dict[str, object]]
SEMANTIC: dict[str, Mutation] = {
    "unknown complaint": lambda e: {**e, "complaint_id": str(uuid.uuid4())},
    "unknown union": lambda e: {**e, "union_id": "serikat-yang-tidak-ada"},
    "replay": lambda e: e,
}


@pytest.fixture()
async def stack(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, model_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    settings = {
        "ADUAN_NOT_READY_PATIENCE_SECONDS": str(PATIENCE_SECONDS),
        "ADUAN_DEAD_LETTER_KEYS": json.dumps([DEAD_LETTER_KEY.get_secret_value()]),
    }
    async with running_stack(infra, model_dir, tmp_path, TRACKING_KEY, settings=settings) as s:
        yield s


class Poisoner:
    """Sends poison to explicit partitions and counts what it sent per topic."""

    def __init__(self, stack: Stack, producer: AIOKafkaProducer) -> None:
        self.prefix = stack.infra.prefix
        self.producer = producer
        self.sent: Counter[str] = Counter()

    async def send(
        self, topic: Topic, body: bytes, partition: int, headers: dict[str, str] | None = None
    ) -> None:
        all_headers = {"content-type": "application/json", CE_ID: str(uuid.uuid4())}
        all_headers.update(headers or {})
        await self.producer.send_and_wait(
            self.prefix + topic.name,
            body,
            key=b"poison",
            partition=partition,
            headers=[(k, v.encode()) for k, v in all_headers.items()],
        )
        self.sent[topic.name] += 1

    async def structural(self) -> None:
        for topic in CONSUMED:
            for partition in range(topic.partitions):
                for body in STRUCTURAL:
                    await self.send(topic, body, partition)

    async def semantic(self, topic: Topic, real: Record) -> None:
        """A real event turned bad, each kind on its own partition, plus the real one again."""
        event = real.json()
        for partition, mutate in enumerate(SEMANTIC.values()):
            await self.send(topic, json.dumps(mutate(event)).encode(), partition)
        # The same event id twice: a duplicate, seen before.
        await self.send(topic, real.body, 0, {CE_ID: real.headers[CE_ID]})
        # A schema version from the future, under its own id.
        await self.send(topic, real.body, 1, {CE_SPECVERSION: "9.9"})


async def consumed(stack: Stack, http: httpx.AsyncClient) -> dict[tuple[str, str], float]:
    """(service, topic) -> events that ended, from each service's own /metrics."""
    ended: dict[tuple[str, str], float] = {}
    for service in SERVICES:
        text = (await http.get(f"{stack.urls[service]}/metrics")).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if (
                    sample.name == "aduan_events_consumed_total"
                    and sample.labels["outcome"] in FINAL
                ):
                    key = (service, sample.labels["topic"])
                    ended[key] = ended.get(key, 0) + sample.value
    return ended


async def submit(stack: Stack, http: httpx.AsyncClient, key: str) -> str:
    answer = await http.post(
        f"{stack.urls['intake']}/v1/complaints",
        headers={"X-API-Key": stack.keys["spn"]},
        json={
            "text": "upah lembur bulan ini tidak dibayar, kata mandor nanti saja",
            "sector": "palm_oil",
            "idempotency_key": key,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


async def recommended(stack: Stack, http: httpx.AsyncClient, complaint_id: str) -> bool:
    url = f"{stack.urls['intake']}/v1/complaints/{complaint_id}"
    view = (await http.get(url, headers={"X-API-Key": stack.keys["spn"]})).json()
    return bool(view.get("triage") and view.get("recommendation"))


class TestPoisonOnEveryConsumedTopic:
    """No event, however bad, holds a partition; each one is accounted for."""

    async def test_every_event_ends_and_the_pipeline_moves_on(self, stack: Stack) -> None:
        infra = stack.infra
        async with httpx.AsyncClient(timeout=30) as http:
            seed = await submit(stack, http, "fuzz-seed")
            assert await eventually(
                lambda: recommended(stack, http, seed), timeout=PIPELINE_TIMEOUT_S
            )
            real = {
                topic: (await read_topic(infra.kafka, infra.prefix + topic.name))[0]
                for topic in (COMPLAINT_SUBMITTED, COMPLAINT_TRIAGED, COMPLAINT_RECOMMENDED)
            }
            before = await consumed(stack, http)

            producer = AIOKafkaProducer(
                bootstrap_servers=infra.kafka,
                enable_idempotence=False,
                max_request_size=2 * 1024 * 1024,
            )
            await producer.start()
            try:
                poison = Poisoner(stack, producer)
                await poison.structural()
                for topic, record in real.items():
                    await poison.semantic(topic, record)
                received = json.dumps(
                    {"union_id": "serikat-yang-tidak-ada", "idempotency_key": "fuzz-1",
                     "text": "gaji telat", "sector": "garment", "channel": "app"}
                ).encode()  # fmt: skip
                await poison.send(COMPLAINT_RECEIVED, received, 0)
            finally:
                await producer.stop()

            # Behind all of it, a new complaint still travels the whole pipeline.
            canary = await submit(stack, http, "fuzz-canary")
            assert await eventually(
                lambda: recommended(stack, http, canary), timeout=PIPELINE_TIMEOUT_S
            )

            async def unaccounted() -> dict[tuple[str, str], tuple[float, int]]:
                now = await consumed(stack, http)
                missing = {}
                for topic in CONSUMED:
                    for service in set(topic.consumers) & set(SERVICES):
                        key = (service, topic.name)
                        ended = now.get(key, 0) - before.get(key, 0)
                        if ended < poison.sent[topic.name]:
                            missing[key] = (ended, poison.sent[topic.name])
                return missing

            async def all_accounted() -> bool:
                return not await unaccounted()

            try:
                await eventually(all_accounted, timeout=PATIENCE_SECONDS + 60)
            except AssertionError:
                pytest.fail(f"events never ended (service, topic): {await unaccounted()}")

            for service in SERVICES:
                health = await http.get(f"{stack.urls[service]}/health")
                assert health.status_code == 200, (service, health.text)

        # What was dead-lettered is sealed: no garbage or worker's words in the clear.
        dead = await read_topic(
            infra.kafka, infra.prefix + COMPLAINT_TRIAGED.dlq, count=10_000, timeout=3
        )
        assert dead and all(d.headers["x-dlq-body"] == "sealed" for d in dead)
        assert STRUCTURAL[0] in {DEAD_LETTERS.open(d.body) for d in dead}
