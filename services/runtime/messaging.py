"""Kafka wiring shared by the services: publishing CloudEvents and consuming at least once.

A subscription here is the delivery rules of docs/architecture.md §4 in one place:
- offsets are committed only after the handler returns (consumer group + manual acks);
- a body that does not validate goes straight to `<topic>.dlq`, with the reason in headers;
- a handler that fails is retried with exponential backoff, then dead-lettered, and the
  partition moves on;
- infrastructure trouble (database or broker unreachable) is never dead-lettered: the message is
  left uncommitted and redelivered, because the event is fine and only we are not;
- a partition whose log the broker lost (the embedded broker after a restart) is read again from
  its beginning (`lost_logs.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from schemas.envelope import CORRELATION_ID, body_bytes, cloudevent_headers, event_id_of
from schemas.events import Event
from schemas.topics import DLQ_SUFFIX, Topic, topic_for
from services.runtime.assignments import LoggedAssignments
from services.runtime.commits import CommitWatch
from services.runtime.db import DATABASE_UNAVAILABLE
from services.runtime.logging import bound_event_context
from services.runtime.lost_logs import rewind_lost_logs
from services.runtime.metrics import (
    EVENT_HANDLING_SECONDS,
    EVENT_WAIT_SECONDS,
    EVENTS_CONSUMED,
    EVENTS_PUBLISHED,
    HANDLER_RETRIES,
)
from services.runtime.sealing import Sealer, letter
from services.runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Event)


class NotReady(Exception):
    """The event depends on another one not seen yet (topics are not ordered with each other).

    Like an outage, it is not the event's fault: the message is redelivered after a pause. But
    not forever: an event still waiting `not_ready_patience_seconds` after it was produced is
    dead-lettered, because what it waits for is lost or never existed (a forged or stray event
    would otherwise hold its partition, and every event behind it, for good).
    """


class UndeclaredTopic(RuntimeError):
    """A service published to a topic it did not declare with `EventBus.publishes`."""


# Errors that mean "we cannot work right now", not "this event is bad".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    NotReady,
    *DATABASE_UNAVAILABLE,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
    KafkaError,
)
# Pause before a transient failure gives the message back, so an outage is not a busy loop.
TRANSIENT_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class Delivery:
    """Where an event came from, for handlers that need more than its body."""

    event_id: str
    topic: str
    partition: int
    offset: int
    headers: dict[str, str]
    correlation_id: str
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


Handler = Callable[[E, Delivery], Awaitable[None]]
# Partitions that must wait for an event not ready yet: (topic, partition) -> its offset.
Waiting = dict[tuple[str, int], int]
# A batch handler gets every valid event of one poll at once (triage embeds them together).
BatchHandler = Callable[[list[tuple[E, Delivery]]], Awaitable[None]]
# Called with the raw body of an event that does not validate; True means it was dealt with
# (e.g. answered with a `rejected` event), False sends it to the dead-letter topic.
InvalidHandler = Callable[[bytes, ValidationError, Delivery], Awaitable[bool]]


@dataclass(frozen=True)
class _Raw:
    """One record as read from Kafka, before validation."""

    body: bytes
    headers: dict[str, str]
    key: bytes | None
    partition: int
    offset: int
    # The broker's timestamp (CreateTime: when the producer sent it), in milliseconds.
    timestamp_ms: int | None

    def age_seconds(self) -> float:
        """Seconds since the producer sent it (0 when the broker gave no timestamp)."""
        if self.timestamp_ms is None:
            return 0.0
        return max(0.0, time.time() - self.timestamp_ms / 1000)

    @classmethod
    def of_message(cls, msg: KafkaMessage) -> _Raw:
        return cls._of(msg.raw_message, msg.body, msg.headers)

    @classmethod
    def of_record(cls, record: Any) -> _Raw:
        return cls._of(record, record.value or b"", dict(record.headers))

    @classmethod
    def _of(cls, record: Any, body: bytes, headers: Any) -> _Raw:
        decoded = {
            str(k): v.decode(errors="replace") if isinstance(v, bytes) else str(v)
            for k, v in dict(headers or {}).items()
        }
        return cls(
            body,
            decoded,
            getattr(record, "key", None),
            getattr(record, "partition", -1),
            getattr(record, "offset", -1),
            getattr(record, "timestamp", None),
        )

    def observe_wait(self, service: str, topic: str) -> None:
        if self.timestamp_ms is not None:
            waited = max(0.0, time.time() - self.timestamp_ms / 1000)
            EVENT_WAIT_SECONDS.labels(service, topic).observe(waited)


PRODUCER_BATCH_BYTES = 512 * 1024  # half of max_request_size, so one batch always fits


class EventBus:
    """One Kafka connection per service process, publishing and consuming Aduan events."""

    def __init__(self, settings: ServiceSettings, service: str) -> None:
        self.settings = settings
        self.service = service
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"aduan-{service}",
            # Tansu has no idempotent producer; delivery is at-least-once and consumers dedupe.
            enable_idempotence=False,
            # A triaged event is ~9 KB (its embedding); with the default 16 KB a record batch
            # holds one event, and a poll's 128 events took ~20 round trips to the broker.
            max_batch_size=PRODUCER_BATCH_BYTES,
            # We log one structured line per event ourselves; FastStream's per-message lines go
            # to DEBUG, and its own logger is off: the kit logs failures itself.
            log_level=logging.DEBUG,
            logger=None,
            graceful_timeout=15.0,
        )
        self.sealer = Sealer(settings.dead_letter_keys) if settings.dead_letter_keys else None
        self.commits = CommitWatch(service, settings.consumer_commit_patience_seconds)
        self._groups: dict[str, dict[str, _Consumer]] = {}
        self._batches: dict[str, _BatchConsumer] = {}
        # Groups with a subscription on the path from submission to recommendation.
        self._urgent: set[str] = set()
        # The topics this service may publish to, once it has declared them (`publishes`).
        self._publications: set[str] | None = None
        self._attached = False

    async def start(self) -> None:
        """Connect, then start every consumer group at once.

        FastStream's own start joins the groups one after another, and a fresh member's join
        waits on the broker (on Tansu half the session timeout): a service with three groups
        took three joins to start. Otherwise the same steps as `KafkaBroker.start`.
        """
        self._attach_consumers()
        await self.broker.connect()
        await asyncio.gather(*(subscriber.start() for subscriber in self.broker.subscribers))
        for publisher in self.broker.publishers:
            await publisher.start()
        self.broker.running = True

    async def rewind_lost_logs(self) -> None:
        """Every started consumer reads again from its start a partition whose log the broker
        lost (services/runtime/lost_logs.py)."""
        for subscriber in self.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)  # None until started
            if consumer is not None:
                await rewind_lost_logs(consumer)

    async def stop_consuming(self) -> None:
        """Stop taking new events; each subscriber finishes (and commits) the one in hand."""
        for subscriber in self.broker.subscribers:
            await subscriber.stop()

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(
        self,
        event: Event,
        *,
        event_id: str | None = None,
        correlation_id: str | None = None,
    ) -> str:
        topic = topic_for(event)
        headers = cloudevent_headers(
            event, source=self.service, event_id=event_id, correlation_id=correlation_id
        )
        await self.publish_raw(topic.name, body_bytes(event), key_of(event, topic), headers)
        return headers["ce_id"]

    async def publish_raw(
        self, topic_name: str, body: bytes, key: bytes | None, headers: dict[str, str]
    ) -> None:
        """Publish bytes already serialised (the outbox relay and dead letters use this)."""
        self._check_declared(topic_name)
        await self.broker.publish(body, self.settings.topic(topic_name), key=key, headers=headers)
        EVENTS_PUBLISHED.labels(self.service, topic_name).inc()

    async def commit(self, msg: KafkaMessage, group_id: str) -> None:
        """Commit a handled message's offsets here rather than in FastStream's middleware,
        which would swallow a failure: the watch must see each one."""
        try:
            await msg.ack()
        except KafkaError as exc:
            # Left uncommitted, so the middleware tries once more, after the rejoin that the
            # failure set off.
            self.commits.failed(group_id, exc)
        else:
            self.commits.succeeded(group_id)

    def group_id(self, group: str = "") -> str:
        """`aduan-<service>`, or `aduan-<service>.<group>` for a service's extra groups."""
        base = self.settings.group(self.service)
        return f"{base}.{group}" if group else base

    def subscribe(
        self,
        topic: Topic,
        handler: Handler[Any],
        *,
        on_invalid: InvalidHandler | None = None,
        group: str = "",
        background: bool = False,
    ) -> None:
        """Route `topic`'s events to `handler` once the bus starts.

        A `background` subscription may wait for its events (see
        `consumer_background_fetch_max_wait_ms`); a group polls as often as its most urgent
        subscription needs.

        All topics of one group are read by one consumer: replicas of a service share the
        partitions, and a service joins each group once, not once per topic (each join costs
        session_timeout/2 on Tansu).
        """
        self._check_not_started()
        self._note_urgency(group, background)
        routes = self._groups.setdefault(group, {})
        routes[self.settings.topic(topic.name)] = _Consumer(self, topic, handler, on_invalid)

    def subscribe_batch(
        self,
        topic: Topic,
        handler: BatchHandler[Any],
        *,
        group: str = "",
        max_records: int = 32,
        background: bool = False,
    ) -> None:
        """Hand `topic`'s events to `handler` a poll at a time (up to `max_records` a poll).

        Several topics may share a batch group: one consumer reads them all, a poll is split by
        topic and each topic's handler gets its events in turn, in the order the topics were
        subscribed (so an event never meets one that depends on it later in the same poll).
        The whole poll is committed once. A group is either per-event or batched, not both.
        `background` as for `subscribe`.
        """
        self._check_not_started()
        self._note_urgency(group, background)
        batches = self._batches.setdefault(group, _BatchConsumer())
        batches.route(
            self.settings.topic(topic.name),
            _Consumer(self, topic, _one(handler), None),
            handler,
            max_records,
        )

    def publishes(self, *topics: Topic) -> None:
        """Declare the topics this service produces: the bus refuses to publish to any other
        (dead letters of the topics it consumes aside), so the declaration, which the topology
        test holds against the registry, cannot drift from what the code does."""
        self._publications = (self._publications or set()) | {t.name for t in topics}

    def published_topics(self) -> set[str]:
        """The registry names of the topics this service declared it produces."""
        return set(self._publications or ())

    def _check_declared(self, topic_name: str) -> None:
        if self._publications is None or topic_name in self._publications:
            return
        if topic_name.endswith(DLQ_SUFFIX) and topic_name.removesuffix(DLQ_SUFFIX) in (
            self.subscribed_topics()
        ):
            return
        raise UndeclaredTopic(f"{self.service} publishes to {topic_name} without declaring it")

    def subscribed_topics(self) -> set[str]:
        """The registry names of every topic this service consumes (its real consumer edges)."""
        consumers = [c for routes in self._groups.values() for c in routes.values()]
        consumers += [b.fallback for g in self._batches.values() for b in g.routes.values()]
        return {c.topic.name for c in consumers}

    def _note_urgency(self, group: str, background: bool) -> None:
        if not background:
            self._urgent.add(group)

    def _check_not_started(self) -> None:
        if self._attached:
            raise RuntimeError("subscribe before the bus starts")

    def _attach_consumers(self) -> None:
        if self._attached:
            return
        self._attached = True
        for group, routes in self._groups.items():
            subscriber = self.broker.subscriber(*routes, **self._consumer_options(group))
            subscriber(
                _Committing(self, self.group_id(group), _Dispatcher(routes).dispatch).dispatch
            )
        for group, batches in self._batches.items():
            if group in self._groups:
                raise RuntimeError(f"group {group!r} has both per-event and batch routes")
            subscriber = self.broker.subscriber(
                *batches.topics,
                batch=True,
                max_records=batches.max_records,
                # A lone complaint waits at most this long for company before it is handled.
                batch_timeout_ms=50,
                **self._consumer_options(group),
            )
            subscriber(_Committing(self, self.group_id(group), batches.on_poll).dispatch)

    def _consumer_options(self, group: str) -> dict[str, Any]:
        urgent = group in self._urgent
        return {
            "decoder": _undecoded,
            "group_id": self.group_id(group),
            "ack_policy": AckPolicy.NACK_ON_ERROR,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.settings.consumer_session_timeout_ms,
            "heartbeat_interval_ms": self.settings.consumer_heartbeat_interval_ms,
            "fetch_max_wait_ms": (
                self.settings.consumer_fetch_max_wait_ms
                if urgent
                else self.settings.consumer_background_fetch_max_wait_ms
            ),
            "fetch_min_bytes": 1 if urgent else self.settings.consumer_background_fetch_min_bytes,
            "title": self.group_id(group),
            "listener": LoggedAssignments(self.group_id(group)),
        }


class _Committing:
    """A group's handler: hands a message over, rewinds the partitions that must wait, commits.

    A transient failure gives the whole message back (FastStream rewinds it) after a pause, so
    an outage is not a busy loop.
    """

    def __init__(
        self,
        bus: EventBus,
        group_id: str,
        handle: Callable[[KafkaMessage], Awaitable[Waiting | None]],
    ) -> None:
        self.bus = bus
        self.group_id = group_id
        self.handle = handle

    async def dispatch(self, msg: KafkaMessage) -> None:
        try:
            waiting = await self.handle(msg) or {}
        except TRANSIENT_ERRORS:
            await asyncio.sleep(TRANSIENT_PAUSE_SECONDS)
            raise
        for (topic, partition), offset in waiting.items():
            msg.consumer.seek(TopicPartition(topic, partition), offset)
        await self.bus.commit(msg, self.group_id)
        if waiting and not _progressed(msg, waiting):
            await asyncio.sleep(TRANSIENT_PAUSE_SECONDS)


def _progressed(msg: KafkaMessage, waiting: Waiting) -> bool:
    """Whether any record of the poll was handled (not held back by a waiting partition)."""
    records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
    return any(r.offset < waiting.get((r.topic, r.partition), r.offset + 1) for r in records)


class _Dispatcher:
    """A per-event group: each event to its topic's consumer."""

    def __init__(self, routes: dict[str, _Consumer]) -> None:
        self.routes = routes

    async def dispatch(self, msg: KafkaMessage) -> None:
        topic_name = getattr(msg.raw_message, "topic", "")
        await self.routes[topic_name].on_raw(_Raw.of_message(msg))


async def _undecoded(message: StreamMessage[Any]) -> bytes:
    """The body as it came: the consumer validates it against its topic's model itself.

    FastStream would otherwise parse any body marked `content-type: application/json` before
    the consumer sees it, and a body that is not JSON would fail there, outside the
    dead-letter path, and be redelivered forever (the partition wedged).
    """
    return message.body


def error_summary(exc: Exception) -> str:
    """Why an event failed, without quoting it: a complaint's words never reach a log or header.

    pydantic's own message repeats each offending value, which may be a worker's phone number.
    """
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        )
    return str(exc)


def key_of(event: Event, topic: Topic) -> bytes | None:
    value = getattr(event, topic.key, None)
    return None if value is None else str(value).encode()


class _Consumer:
    """One topic's rules: validate, retry with backoff, dead-letter, never lose on outages."""

    def __init__(
        self, bus: EventBus, topic: Topic, handler: Handler[Any], on_invalid: InvalidHandler | None
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.handler = handler
        self.on_invalid = on_invalid

    def delivery(self, raw: _Raw) -> Delivery:
        event_id = event_id_of(raw.headers, raw.body)
        return Delivery(
            event_id=event_id,
            topic=self.topic.name,
            partition=raw.partition,
            offset=raw.offset,
            headers=raw.headers,
            correlation_id=raw.headers.get(CORRELATION_ID) or event_id,
        )

    async def parse(self, raw: _Raw) -> tuple[Event, Delivery] | None:
        """The validated event, or None when it was rejected or dead-lettered instead."""
        delivery = self.delivery(raw)
        try:
            return self.topic.model.model_validate_json(raw.body), delivery
        except ValidationError as exc:
            if self.on_invalid is not None and await self.on_invalid(raw.body, exc, delivery):
                EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "rejected").inc()
            else:
                await self.dead_letter(raw, exc, attempts=0)
            return None

    async def on_raw(self, raw: _Raw) -> None:
        service, topic = self.bus.service, self.topic.name
        raw.observe_wait(service, topic)
        with EVENT_HANDLING_SECONDS.labels(service, topic).time():
            parsed = await self.parse(raw)
            if parsed is not None:
                await self.handle(*parsed, raw)

    async def handle(self, event: Event, delivery: Delivery, raw: _Raw) -> None:
        with bound_event_context(**_ids(event, delivery)):
            try:
                attempts = await retrying(self.bus, self.topic, self.handler, event, delivery)
            except NotReady as exc:
                if not self.out_of_patience(raw):
                    raise
                await self.dead_letter(raw, exc, attempts=1)
                return
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                await self.dead_letter(raw, exc, attempts=self.bus.settings.handler_max_attempts)
                return
            EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "handled").inc()
            log.info("event_handled", attempts=attempts)

    def out_of_patience(self, raw: _Raw) -> bool:
        return raw.age_seconds() > self.bus.settings.not_ready_patience_seconds

    async def dead_letter(self, raw: _Raw, exc: Exception, attempts: int) -> None:
        reason = error_summary(exc)
        body, about_body = letter(raw.body, self.bus.sealer)
        dlq_headers = {
            **raw.headers,
            **about_body,
            # Sealed (or withheld), whatever it was: `aduan dlq replay` restores the original.
            "content-type": "application/octet-stream",
            "x-dlq-original-content-type": raw.headers.get("content-type", ""),
            "x-dlq-error": reason[:2000],
            "x-dlq-error-type": type(exc).__name__,
            "x-dlq-original-topic": self.topic.name,
            "x-dlq-original-partition": str(raw.partition),
            "x-dlq-original-offset": str(raw.offset),
            "x-dlq-consumer": self.bus.group_id(),
            "x-dlq-attempts": str(attempts),
            "x-dlq-failed-at": datetime.now(UTC).isoformat(),
        }
        await self.bus.publish_raw(self.topic.dlq, body, raw.key, dlq_headers)
        EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "dead_lettered").inc()
        log.error(
            "event_dead_lettered",
            error=reason[:500],
            error_type=type(exc).__name__,
            attempts=attempts,
        )


def _one(handler: BatchHandler[Any]) -> Handler[Any]:
    """A batch handler called with a single event (the one-by-one fallback)."""

    async def handle(event: Event, delivery: Delivery) -> None:
        await handler([(event, delivery)])

    return handle


class _BatchConsumer:
    """One batch group's consumer: splits each poll by topic for the topics' handlers."""

    def __init__(self) -> None:
        self.routes: dict[str, _TopicBatch] = {}
        self.max_records = 0

    @property
    def topics(self) -> list[str]:
        return list(self.routes)

    def route(
        self, topic_name: str, fallback: _Consumer, handler: BatchHandler[Any], max_records: int
    ) -> None:
        self.routes[topic_name] = _TopicBatch(fallback, handler)
        self.max_records = max(self.max_records, max_records)

    async def on_poll(self, msg: KafkaMessage) -> Waiting:
        by_topic: dict[str, list[_Raw]] = {name: [] for name in self.routes}
        for record in msg.raw_message:
            by_topic[record.topic].append(_Raw.of_record(record))
        waiting: Waiting = {}
        for name, raws in by_topic.items():
            if raws:
                held = await self.routes[name].on_batch(raws)
                waiting.update({(name, partition): offset for partition, offset in held.items()})
        return waiting


class _TopicBatch:
    """A poll's events of one topic handled together; on a failure, one by one so only the bad
    one is lost."""

    def __init__(self, fallback: _Consumer, handler: BatchHandler[Any]) -> None:
        self.fallback = fallback
        self.handler = handler

    async def on_batch(self, raws: list[_Raw]) -> dict[int, int]:
        """Handle a poll's events of this topic; returns the partitions that must wait, each
        with the offset of its first event not ready."""
        bus, topic = self.fallback.bus, self.fallback.topic
        for raw in raws:
            raw.observe_wait(bus.service, topic.name)
        started = time.perf_counter()
        try:
            return await self._handle_all(raws)
        finally:
            handling = EVENT_HANDLING_SECONDS.labels(bus.service, topic.name)
            elapsed = time.perf_counter() - started
            for _ in raws:
                handling.observe(elapsed)

    async def _handle_all(self, raws: list[_Raw]) -> dict[int, int]:
        items: list[tuple[Event, Delivery, _Raw]] = []
        for raw in raws:
            parsed = await self.fallback.parse(raw)
            if parsed is not None:
                items.append((*parsed, raw))
        if not items:
            return {}
        bus, topic = self.fallback.bus, self.fallback.topic
        try:
            await retrying(bus, topic, self.handler, [(e, d) for e, d, _ in items])
        except NotReady:
            return await self._each_as_ready(items)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            log.warning(
                "batch_failed_handling_one_by_one",
                size=len(items),
                error=error_summary(exc)[:500],
                error_type=type(exc).__name__,
            )
            for event, delivery, raw in items:
                await self.fallback.handle(event, delivery, raw)
            return {}
        EVENTS_CONSUMED.labels(bus.service, topic.name, "handled").inc(len(items))
        for event, delivery, _ in items:
            with bound_event_context(**_ids(event, delivery)):
                log.info("event_handled", batch=len(items))
        return {}

    async def _each_as_ready(self, items: list[tuple[Event, Delivery, _Raw]]) -> dict[int, int]:
        """One by one: the events that are ready go ahead, one that is not holds back the rest
        of its partition (its complaint's later events may be behind it) and is dead-lettered
        once out of patience.

        Rewinding the whole poll instead would hold every partition behind one waiting event:
        after a broker restart lost a complaint's `submitted`, recommend re-read the same poll
        for minutes and never reached the `submitted` that intake sent again.
        """
        waiting: dict[int, int] = {}
        for event, delivery, raw in items:
            if raw.partition in waiting:
                continue
            try:
                await self.fallback.handle(event, delivery, raw)
            except NotReady:
                waiting[raw.partition] = raw.offset
        return waiting


def _ids(event: Event, delivery: Delivery) -> dict[str, object]:
    return {
        "complaint_id": getattr(event, "complaint_id", None),
        "union_id": getattr(event, "union_id", None),
        "correlation_id": delivery.correlation_id,
        "event_id": delivery.event_id,
        "topic": delivery.topic,
    }


async def retrying(bus: EventBus, topic: Topic, call: Any, *args: Any) -> int:
    """Run `call(*args)` with the bus's retry policy; return the attempts it took.

    Transient errors are not retried here: they propagate, the message is left uncommitted and
    comes back after a pause.
    """
    settings = bus.settings
    attempts = 0
    try:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(settings.handler_max_attempts),
            wait=wait_exponential(multiplier=settings.handler_backoff_seconds, max=10),
            retry=retry_if_not_exception_type(TRANSIENT_ERRORS),
            reraise=True,
        ):
            with attempt:
                attempts += 1
                if attempts > 1:
                    HANDLER_RETRIES.labels(bus.service, topic.name).inc()
                await call(*args)
    except TRANSIENT_ERRORS as exc:
        log.warning("event_redelivery", reason=repr(exc))
        EVENTS_CONSUMED.labels(bus.service, topic.name, "redelivered").inc()
        raise
    return attempts
