"""`aduan dlq`: what was dead-lettered and why, and replaying it once the cause is fixed.

A dead letter carries its reason in `x-dlq-*` headers and its body sealed with the operator's
keys (services/runtime/sealing.py). Replaying opens the body and publishes it, with its original
headers (event id included), to the topic it failed on: every consumer group of that topic sees
it again, and those that had handled it recognise the event id and skip it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas.topics import DLQ_SUFFIX
from services.runtime.sealing import SEALED, WITHHELD, Sealer, SealError

DLQ_HEADER_PREFIX = "x-dlq-"


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: dict[str, str]
    body: bytes

    @property
    def body_state(self) -> str:
        """`sealed`, `withheld`, or `raw` for letters written before bodies were sealed."""
        return self.headers.get("x-dlq-body", "raw")

    @property
    def reason(self) -> str:
        return self.headers.get("x-dlq-error", "")

    @property
    def original_topic(self) -> str:
        return self.topic.removesuffix(DLQ_SUFFIX)

    def original(self, sealer: Sealer | None) -> tuple[bytes, list[tuple[str, bytes]]]:
        """The failed event as it was: body opened, headers without the dead letter's own."""
        if self.body_state == WITHHELD:
            raise SealError("its body was withheld (no dead-letter keys were set)")
        if self.body_state == SEALED:
            if sealer is None:
                raise SealError("its body is sealed and no dead-letter keys were given")
            body = sealer.open(self.body)
        else:
            body = self.body
        headers = {k: v for k, v in self.headers.items() if not k.startswith(DLQ_HEADER_PREFIX)}
        headers["content-type"] = self.headers.get("x-dlq-original-content-type", "")
        return body, [(k, v.encode()) for k, v in headers.items() if v]


@dataclass
class ReplayReport:
    replayed: list[DeadLetter] = field(default_factory=list)
    not_opened: list[tuple[DeadLetter, str]] = field(default_factory=list)


async def read_dead_letters(bootstrap: str, dlq_topic: str) -> list[DeadLetter]:
    """Every letter in `dlq_topic` now, oldest first per partition (no consumer group)."""
    if not dlq_topic.endswith(DLQ_SUFFIX):
        raise ValueError(f"{dlq_topic!r} is not a dead-letter topic (they end in {DLQ_SUFFIX})")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # loads the cluster's metadata: the topic's partitions
        partitions = [
            TopicPartition(dlq_topic, p) for p in consumer.partitions_for_topic(dlq_topic) or ()
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        while await _behind(consumer, ends):
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                letters += [
                    DeadLetter(
                        dlq_topic,
                        tp.partition,
                        r.offset,
                        r.key,
                        {k: v.decode(errors="replace") for k, v in r.headers},
                        r.value or b"",
                    )
                    for r in records
                    if r.offset < ends[tp]
                ]
        return sorted(letters, key=lambda d: (d.partition, d.offset))
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    return any([await consumer.position(tp) < end for tp, end in ends.items()])


async def replay(
    bootstrap: str, letters: Iterable[DeadLetter], sealer: Sealer | None
) -> ReplayReport:
    """Publish each letter's original event to its original topic, in the order given."""
    report = ReplayReport()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for letter in letters:
            try:
                body, headers = letter.original(sealer)
            except SealError as exc:
                report.not_opened.append((letter, str(exc)))
                continue
            await producer.send_and_wait(
                letter.original_topic, body, key=letter.key, headers=headers
            )
            report.replayed.append(letter)
    finally:
        await producer.stop()
    return report
