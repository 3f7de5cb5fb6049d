"""The kit's delivery rules, on FastStream's in-memory broker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker
from prometheus_client import REGISTRY
from pydantic import SecretStr

from schemas.envelope import CE_ID
from schemas.events import ComplaintSubmitted, UnionRegistered
from schemas.topics import COMPLAINT_SUBMITTED, UNION_REGISTERED
from services.runtime.messaging import Delivery, EventBus, NotReady, _Committing
from services.runtime.sealing import Sealer
from services.runtime.settings import ServiceSettings
from tests.support import union_registered


def submitted(text: str = "gaji telat tiga bulan") -> ComplaintSubmitted:
    return ComplaintSubmitted(
        complaint_id=uuid.uuid4(),
        union_id="spn",
        tracking_code="ADU-AAAA-BBBB-CCCC",
        channel="app",
        sector="garment",
        kind="complaint",
        text=text,
        language="id",
        member=None,
        anonymous=False,
        workplace=None,
        occurred_on=None,
        submitted_at=datetime.now(UTC),
    )


DEAD_LETTER_KEY = SecretStr("k" * 40)


async def never_called(event: ComplaintSubmitted, delivery: Delivery) -> None:
    raise AssertionError("never called for a body that is not a valid event")


async def dead_letters_of(bus: EventBus, body: bytes) -> list[tuple[bytes, dict[str, str]]]:
    """Publish `body` marked as JSON to COMPLAINT_SUBMITTED; what reached its dead letters."""
    bus._attach_consumers()
    async with TestKafkaBroker(bus.broker) as broker:
        dead: list[tuple[bytes, dict[str, str]]] = []

        @broker.subscriber(COMPLAINT_SUBMITTED.dlq)
        async def keep(message: KafkaMessage) -> None:
            dead.append((message.body, dict(message.headers)))

        await broker.start()
        await broker.publish(
            body, COMPLAINT_SUBMITTED.name, headers={"content-type": "application/json"}
        )
    return dead


@pytest.fixture()
def bus() -> EventBus:
    settings = ServiceSettings(handler_max_attempts=3, handler_backoff_seconds=0.001)
    return EventBus(settings, "unit")


class TestConsuming:
    """Handlers see validated events; bad ones go to the dead-letter topic with the reason."""

    async def test_handler_receives_the_validated_event_and_its_id(self, bus: EventBus) -> None:
        seen: list[tuple[ComplaintSubmitted, Delivery]] = []

        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            seen.append((event, delivery))

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        event = submitted()
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish(
                event.model_dump_json().encode(),
                COMPLAINT_SUBMITTED.name,
                headers={CE_ID: "event-1"},
            )
        [(received, delivery)] = seen
        assert received == event
        assert delivery.event_id == "event-1"

    async def test_malformed_event_is_dead_lettered_without_calling_the_handler(
        self, bus: EventBus
    ) -> None:
        calls = 0

        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            nonlocal calls
            calls += 1

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        async with TestKafkaBroker(bus.broker) as broker:
            dead = broker.subscriber(COMPLAINT_SUBMITTED.dlq)
            dead_letters: list[dict[str, str]] = []

            @dead
            async def keep(message: KafkaMessage) -> None:
                dead_letters.append(dict(message.headers))

            await broker.start()
            await broker.publish(b'{"complaint_id": "not a uuid"}', COMPLAINT_SUBMITTED.name)
        assert calls == 0
        [headers] = dead_letters
        assert headers["x-dlq-error-type"] == "ValidationError"
        assert headers["x-dlq-original-topic"] == COMPLAINT_SUBMITTED.name

    @pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
    async def test_a_body_marked_json_that_is_not_json_is_dead_lettered_not_redelivered(
        self, batch: bool
    ) -> None:
        """FastStream parses bodies marked application/json itself; a broken one must still
        take the dead-letter path rather than fail before the consumer sees it (a wedge)."""
        bus = EventBus(ServiceSettings(dead_letter_keys=[DEAD_LETTER_KEY]), "unit")

        async def batch_handler(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            raise AssertionError("never called for a body that is not an event")

        if batch:
            bus.subscribe_batch(COMPLAINT_SUBMITTED, batch_handler)
        else:
            bus.subscribe(COMPLAINT_SUBMITTED, never_called)
        [(body, headers)] = await dead_letters_of(bus, b"{nomor saya 081234567890")
        assert headers["x-dlq-error-type"] == "ValidationError"
        assert headers["x-dlq-original-content-type"] == "application/json"
        assert headers["content-type"] == "application/octet-stream"
        assert b"0812" not in body
        assert Sealer([DEAD_LETTER_KEY]).open(body) == b"{nomor saya 081234567890"

    async def test_without_keys_a_dead_letter_keeps_the_reason_not_the_words(
        self, bus: EventBus
    ) -> None:
        """An operator who set no dead-letter keys gets why and how big, never the contents."""
        bus.subscribe(COMPLAINT_SUBMITTED, never_called)
        [(body, headers)] = await dead_letters_of(bus, b"{nomor saya 081234567890")
        assert body == b""
        assert headers["x-dlq-body"] == "withheld"
        assert headers["x-dlq-body-bytes"] == "24"
        assert headers["x-dlq-error-type"] == "ValidationError"

    async def test_the_reason_names_fields_without_quoting_their_values(
        self, bus: EventBus
    ) -> None:
        """A dead-letter header is read by operators and analysts: no worker's words in it."""
        bus.subscribe(COMPLAINT_SUBMITTED, never_called)
        bus._attach_consumers()
        event = submitted().model_dump(mode="json")
        event["complaint_id"] = "hubungi 081234567890"
        async with TestKafkaBroker(bus.broker) as broker:
            reasons: list[str] = []

            @broker.subscriber(COMPLAINT_SUBMITTED.dlq)
            async def keep(message: KafkaMessage) -> None:
                reasons.append(message.headers["x-dlq-error"])

            await broker.start()
            await broker.publish(json.dumps(event).encode(), COMPLAINT_SUBMITTED.name)
        [reason] = reasons
        assert reason.startswith("complaint_id: ")
        assert "0812" not in reason

    async def test_failing_handler_is_retried_then_dead_lettered(self, bus: EventBus) -> None:
        attempts = 0

        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            nonlocal attempts
            attempts += 1
            raise ValueError("model exploded")

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        async with TestKafkaBroker(bus.broker) as broker:
            dead_letters: list[dict[str, str]] = []

            @broker.subscriber(COMPLAINT_SUBMITTED.dlq)
            async def keep(message: KafkaMessage) -> None:
                dead_letters.append(dict(message.headers))

            await broker.start()
            await broker.publish(submitted().model_dump_json().encode(), COMPLAINT_SUBMITTED.name)
        assert attempts == 3
        [headers] = dead_letters
        assert headers["x-dlq-error"] == "model exploded"
        assert headers["x-dlq-attempts"] == "3"

    async def test_a_retry_that_succeeds_is_not_dead_lettered(self, bus: EventBus) -> None:
        attempts = 0
        handled: list[str] = []

        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            nonlocal attempts
            attempts += 1
            if attempts == 1:
                raise ValueError("flaky")
            handled.append(event.text)

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish(
                submitted("lembur").model_dump_json().encode(), COMPLAINT_SUBMITTED.name
            )
        assert handled == ["lembur"]


class TestWaitingForDependencies:
    """An event whose dependency has not arrived waits, but not beyond the patience."""

    @staticmethod
    def bus_with(patience_seconds: float) -> EventBus:
        settings = ServiceSettings(
            handler_max_attempts=3,
            handler_backoff_seconds=0.001,
            not_ready_patience_seconds=patience_seconds,
        )
        return EventBus(settings, "unit")

    async def test_within_patience_it_is_given_back_for_later(self) -> None:
        bus = self.bus_with(3600)
        await self._subscribe_never_ready(bus, batch=False)
        async with TestKafkaBroker(bus.broker) as broker:
            dead_letters = self._dead_letters(broker)
            await broker.start()
            with pytest.raises(NotReady):
                await broker.publish(
                    submitted().model_dump_json().encode(), COMPLAINT_SUBMITTED.name
                )
        assert dead_letters == []

    @pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch"])
    async def test_past_patience_it_is_dead_lettered_and_the_partition_moves_on(
        self, batch: bool
    ) -> None:
        bus = self.bus_with(0)
        await self._subscribe_never_ready(bus, batch)
        async with TestKafkaBroker(bus.broker) as broker:
            dead_letters = self._dead_letters(broker)
            await broker.start()
            await broker.publish(submitted().model_dump_json().encode(), COMPLAINT_SUBMITTED.name)
        [headers] = dead_letters
        assert headers["x-dlq-error-type"] == "NotReady"
        assert "never submitted" in headers["x-dlq-error"]

    @staticmethod
    async def _subscribe_never_ready(bus: EventBus, batch: bool) -> None:
        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            raise NotReady("its complaint was never submitted")

        async def batch_handler(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            raise NotReady("its complaint was never submitted")

        if batch:
            bus.subscribe_batch(COMPLAINT_SUBMITTED, batch_handler)
        else:
            bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()

    @staticmethod
    def _dead_letters(broker: KafkaBroker) -> list[dict[str, str]]:
        kept: list[dict[str, str]] = []

        @broker.subscriber(COMPLAINT_SUBMITTED.dlq)
        async def keep(message: KafkaMessage) -> None:
            kept.append(dict(message.headers))

        return kept


LONG_AGO = 1_000  # a broker timestamp in milliseconds: 1970, past any patience


class TestWaitingPartitions:
    """In a batch, an event not ready holds back its own partition only, so that what it waits
    for, further along another partition or topic, can still arrive."""

    @staticmethod
    def poll(*records: SimpleNamespace) -> SimpleNamespace:
        """A poll as FastStream hands it over: its records, its consumer, its commit."""
        seeks: list[tuple[str, int, int]] = []
        commits: list[bool] = []

        async def ack() -> None:
            commits.append(True)

        consumer = SimpleNamespace(
            seek=lambda tp, offset: seeks.append((tp.topic, tp.partition, offset))
        )
        return SimpleNamespace(
            raw_message=records, consumer=consumer, ack=ack, seeks=seeks, commits=commits
        )

    @staticmethod
    def group(bus: EventBus, ready: set[str]) -> tuple[Any, list[str]]:
        """The batch group's dispatcher; its handler is ready only for texts in `ready`."""
        handled: list[str] = []

        async def on_submitted(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            for event, _ in items:
                if event.text not in ready:
                    raise NotReady("waits for its union")
            handled.extend(event.text for event, _ in items)

        bus.subscribe_batch(COMPLAINT_SUBMITTED, on_submitted)
        return _Committing(bus, "g", bus._batches[""].on_poll), handled

    async def test_the_other_partitions_go_ahead_and_the_waiting_one_is_rewound(self) -> None:
        bus = TestWaitingForDependencies.bus_with(3600)
        dispatcher, handled = self.group(bus, ready={"siap satu", "siap dua"})
        poll = self.poll(
            _record(COMPLAINT_SUBMITTED.name, submitted("belum siap"), partition=0, offset=7),
            _record(COMPLAINT_SUBMITTED.name, submitted("siap satu"), partition=0, offset=8),
            _record(COMPLAINT_SUBMITTED.name, submitted("siap dua"), partition=1, offset=3),
        )
        await dispatcher.dispatch(poll)
        # Partition 0 keeps its order: nothing after the waiting event is handled before it.
        assert handled == ["siap dua"]
        assert poll.seeks == [(COMPLAINT_SUBMITTED.name, 0, 7)]
        assert poll.commits == [True]

    async def test_a_poll_that_only_waits_commits_nothing_past_it(self) -> None:
        bus = TestWaitingForDependencies.bus_with(3600)
        dispatcher, handled = self.group(bus, ready=set())
        poll = self.poll(
            _record(COMPLAINT_SUBMITTED.name, submitted("belum siap"), partition=2, offset=5)
        )
        await dispatcher.dispatch(poll)
        assert handled == []
        assert poll.seeks == [(COMPLAINT_SUBMITTED.name, 2, 5)]

    async def test_out_of_patience_it_is_dead_lettered_and_nothing_waits(self) -> None:
        bus = TestWaitingForDependencies.bus_with(0)
        dispatcher, handled = self.group(bus, ready={"siap"})
        dead: list[str] = []

        async def publish_raw(topic: str, *_: Any) -> None:
            dead.append(topic)

        bus.publish_raw = publish_raw  # type: ignore[method-assign,assignment]
        poll = self.poll(
            _record(COMPLAINT_SUBMITTED.name, submitted("belum siap"), 0, 1, sent_ms=LONG_AGO),
            _record(COMPLAINT_SUBMITTED.name, submitted("siap"), 0, 2, sent_ms=LONG_AGO),
        )
        await dispatcher.dispatch(poll)
        assert dead == [COMPLAINT_SUBMITTED.dlq]
        assert handled == ["siap"]
        assert poll.seeks == []


class TestPublishing:
    """Published events carry CloudEvents headers and the complaint id as key."""

    async def test_publish_sets_cloudevents_headers_and_key(self, bus: EventBus) -> None:
        event = submitted()
        async with TestKafkaBroker(bus.broker) as broker:
            received: list[tuple[bytes | None, dict[str, str]]] = []

            @broker.subscriber(COMPLAINT_SUBMITTED.name)
            async def keep(message: KafkaMessage) -> None:
                received.append((message.raw_message.key, dict(message.headers)))  # type: ignore[union-attr]

            await broker.start()
            event_id = await bus.publish(event, correlation_id="corr-1")
        [(key, headers)] = received
        assert key == str(event.complaint_id).encode()
        assert headers["ce_id"] == event_id
        assert headers["ce_type"] == "complaint.submitted.v1"
        assert headers["ce_source"] == "/aduan/unit"
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_correlationid"] == "corr-1"


class TestBatches:
    """Triage handles a poll's events together; one bad event does not sink the others."""

    async def test_events_arrive_together(self, bus: EventBus) -> None:
        batches: list[list[str]] = []

        async def handler(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            batches.append([event.text for event, _ in items])

        bus.subscribe_batch(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish_batch(
                *(submitted(f"keluhan {i}").model_dump_json().encode() for i in range(3)),
                topic=COMPLAINT_SUBMITTED.name,
            )
        assert batches == [["keluhan 0", "keluhan 1", "keluhan 2"]]

    async def test_a_failing_batch_is_retried_one_by_one_and_only_the_bad_event_dies(
        self, bus: EventBus
    ) -> None:
        handled: list[str] = []

        async def handler(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            if any(event.text == "racun" for event, _ in items):
                raise ValueError("cannot triage this one")
            handled.extend(event.text for event, _ in items)

        bus.subscribe_batch(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        async with TestKafkaBroker(bus.broker) as broker:
            dead_letters: list[dict[str, str]] = []

            @broker.subscriber(COMPLAINT_SUBMITTED.dlq)
            async def keep(message: KafkaMessage) -> None:
                dead_letters.append(dict(message.headers))

            await broker.start()
            await broker.publish_batch(
                *(submitted(t).model_dump_json().encode() for t in ("gaji", "racun", "lembur")),
                b"not json",
                topic=COMPLAINT_SUBMITTED.name,
            )
        assert handled == ["gaji", "lembur"]
        assert sorted(h["x-dlq-error-type"] for h in dead_letters) == [
            "ValidationError",
            "ValueError",
        ]

    async def test_topics_of_one_group_share_one_consumer(self, bus: EventBus) -> None:
        seen: list[str] = []

        async def on_union(items: list[tuple[UnionRegistered, Delivery]]) -> None:
            seen.extend(event.union_id for event, _ in items)

        async def on_submitted(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            seen.extend(event.text for event, _ in items)

        bus.subscribe_batch(UNION_REGISTERED, on_union, group="lifecycle")
        bus.subscribe_batch(COMPLAINT_SUBMITTED, on_submitted, group="lifecycle")
        bus._attach_consumers()
        assert len(bus.broker.subscribers) == 1
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish(
                union_registered().model_dump_json().encode(), UNION_REGISTERED.name
            )
            await broker.publish(
                submitted("lembur").model_dump_json().encode(), COMPLAINT_SUBMITTED.name
            )
        assert seen == ["spn", "lembur"]

    async def test_a_poll_is_handled_in_the_order_topics_were_subscribed(
        self, bus: EventBus
    ) -> None:
        """A poll holding a complaint before its union still registers the union first, so a
        handler never meets an event whose dependency sits later in the same poll."""
        calls: list[str] = []

        async def on_union(items: list[tuple[UnionRegistered, Delivery]]) -> None:
            calls.append("union")

        async def on_submitted(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            calls.append("submitted")

        bus.subscribe_batch(UNION_REGISTERED, on_union, group="lifecycle")
        bus.subscribe_batch(COMPLAINT_SUBMITTED, on_submitted, group="lifecycle")
        poll = SimpleNamespace(
            raw_message=(
                _record(COMPLAINT_SUBMITTED.name, submitted()),
                _record(UNION_REGISTERED.name, union_registered()),
            )
        )
        await bus._batches["lifecycle"].on_poll(poll)  # type: ignore[arg-type]
        assert calls == ["union", "submitted"]


def _record(
    topic: str,
    event: ComplaintSubmitted | UnionRegistered,
    partition: int = 0,
    offset: int = 0,
    sent_ms: int | None = None,
) -> SimpleNamespace:
    """A record as aiokafka hands it over in a poll."""
    return SimpleNamespace(
        topic=topic,
        value=event.model_dump_json().encode(),
        headers=[],
        key=None,
        partition=partition,
        offset=offset,
        timestamp=sent_ms,
    )


class TestPolling:
    """Consumers off the submission-to-recommendation path poll the broker less often."""

    def test_a_background_group_waits_longer_for_events(self, bus: EventBus) -> None:
        async def handler(event: UnionRegistered, delivery: Delivery) -> None:
            return None

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus.subscribe(UNION_REGISTERED, handler, group="quiet", background=True)
        assert bus._consumer_options("")["fetch_max_wait_ms"] == 50
        assert bus._consumer_options("quiet")["fetch_max_wait_ms"] == 500

    def test_a_background_group_gathers_events_and_an_urgent_one_takes_the_first(
        self, bus: EventBus
    ) -> None:
        """Under load the timeline and the SLA clocks take a poll of many events, not one."""

        async def handler(event: UnionRegistered, delivery: Delivery) -> None:
            return None

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus.subscribe(UNION_REGISTERED, handler, group="quiet", background=True)
        assert bus._consumer_options("")["fetch_min_bytes"] == 1
        assert bus._consumer_options("quiet")["fetch_min_bytes"] == 64 * 1024

    def test_one_urgent_subscription_makes_its_group_urgent(self, bus: EventBus) -> None:
        async def handler(event: UnionRegistered, delivery: Delivery) -> None:
            return None

        bus.subscribe(UNION_REGISTERED, handler, group="mixed", background=True)
        bus.subscribe(COMPLAINT_SUBMITTED, handler, group="mixed")
        assert bus._consumer_options("mixed")["fetch_max_wait_ms"] == 50


class TestTimings:
    """Every consumed event is timed: how long it queued, how long its handler took."""

    @staticmethod
    def _count(metric: str, topic: str) -> float:
        value = REGISTRY.get_sample_value(
            f"aduan_event_{metric}_seconds_count", {"service": "unit", "topic": topic}
        )
        return value or 0.0

    async def test_a_handled_event_is_counted_in_both_histograms(self, bus: EventBus) -> None:
        async def handler(event: ComplaintSubmitted, delivery: Delivery) -> None:
            return None

        bus.subscribe(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        before = {m: self._count(m, COMPLAINT_SUBMITTED.name) for m in ("wait", "handling")}
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish(submitted().model_dump_json().encode(), COMPLAINT_SUBMITTED.name)
        for metric in ("wait", "handling"):
            assert self._count(metric, COMPLAINT_SUBMITTED.name) == before[metric] + 1

    async def test_each_event_of_a_batch_counts_once(self, bus: EventBus) -> None:
        async def handler(items: list[tuple[ComplaintSubmitted, Delivery]]) -> None:
            return None

        bus.subscribe_batch(COMPLAINT_SUBMITTED, handler)
        bus._attach_consumers()
        before = self._count("handling", COMPLAINT_SUBMITTED.name)
        async with TestKafkaBroker(bus.broker) as broker:
            await broker.publish_batch(
                *(submitted(f"keluhan {i}").model_dump_json().encode() for i in range(3)),
                topic=COMPLAINT_SUBMITTED.name,
            )
        assert self._count("handling", COMPLAINT_SUBMITTED.name) == before + 3
