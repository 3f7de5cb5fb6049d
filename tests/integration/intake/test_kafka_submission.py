"""Submitting complaints as Kafka events: rejections carry reasons, poison goes to the DLQ."""

from __future__ import annotations

import json

from schemas.topics import COMPLAINT_RECEIVED, COMPLAINT_REJECTED, COMPLAINT_SUBMITTED
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import DEAD_LETTERS, produce, read_topic


def received(
    union_id: str = "spn", key: str = "kafka-1", text: str = "lembur gak dibayar"
) -> bytes:
    return json.dumps(
        {
            "union_id": union_id,
            "idempotency_key": key,
            "text": text,
            "sector": "footwear",
            "channel": "app",
        }
    ).encode()


class TestKafkaSubmissions:
    """What a frontend that publishes to aduan.complaint.received.v1 sees."""

    async def test_valid_event_becomes_a_submitted_complaint(self, intake: IntakeUnderTest) -> None:
        prefix, kafka = intake.infra.prefix, intake.infra.kafka
        await produce(kafka, prefix + COMPLAINT_RECEIVED.name, received(), key="kafka-1")
        [record] = await read_topic(kafka, prefix + COMPLAINT_SUBMITTED.name)
        assert record.json()["union_id"] == "spn"
        assert record.json()["sector"] == "footwear"

    async def test_invalid_and_unknown_union_events_are_answered_with_reasons(
        self, intake: IntakeUnderTest
    ) -> None:
        prefix, kafka = intake.infra.prefix, intake.infra.kafka
        await produce(
            kafka, prefix + COMPLAINT_RECEIVED.name, received(text="x" * 6000, key="long")
        )
        await produce(kafka, prefix + COMPLAINT_RECEIVED.name, received(union_id="nobody"))
        await produce(
            kafka,
            prefix + COMPLAINT_RECEIVED.name,
            received(text="lembur gak\u0000 dibayar", key="nul"),
        )
        rejected = await read_topic(kafka, prefix + COMPLAINT_REJECTED.name, count=3)
        by_code = {r.json()["code"]: r.json() for r in rejected}
        assert by_code["too_long"]["idempotency_key"] == "long"
        assert by_code["too_long"]["reasons"][0]["field"] == "text"
        assert "not registered" in by_code["unknown_union"]["reasons"][0]["message"]
        assert by_code["invalid"]["idempotency_key"] == "nul"
        assert "control character U+0000" in by_code["invalid"]["reasons"][0]["message"]
        conn = await intake.db()
        try:  # the statement that failed stored nothing: no complaint, no event to publish
            assert await conn.fetchval("SELECT count(*) FROM complaints") == 0
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE topic = $1", COMPLAINT_SUBMITTED.name
                )
                == 0
            )
        finally:
            await conn.close()

    async def test_unreadable_event_goes_to_the_dead_letter_topic_and_the_next_is_processed(
        self, intake: IntakeUnderTest
    ) -> None:
        prefix, kafka = intake.infra.prefix, intake.infra.kafka
        await produce(
            kafka,
            prefix + COMPLAINT_RECEIVED.name,
            b"\x00 not json",
            key="same",
            headers={"content-type": "application/json"},
        )
        await produce(kafka, prefix + COMPLAINT_RECEIVED.name, received(key="after"), key="same")
        [dead] = await read_topic(kafka, prefix + COMPLAINT_RECEIVED.dlq)
        assert dead.headers["x-dlq-body"] == "sealed"
        assert DEAD_LETTERS.open(dead.body) == b"\x00 not json"
        assert dead.headers["x-dlq-error-type"] == "ValidationError"
        assert dead.headers["x-dlq-original-topic"] == COMPLAINT_RECEIVED.name
        [accepted] = await read_topic(kafka, prefix + COMPLAINT_SUBMITTED.name)
        assert accepted.json()["union_id"] == "spn"
