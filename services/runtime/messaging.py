"""Kafka wiring shared by the services: publishing CloudEvents and consuming at least once.

A subscription here is the delivery rules of DESIGN.md in one place:
- offsets are committed only after the handler returns (consumer group + manual acks);
- a body that does not validate goes straight to `<topic>.dlq`, with the reason in headers;
- a handler that fails is retried with exponential backoff, then dead-lettered, and the
  partition moves on;
- infrastructure trouble (database or broker unreachable) is never dead-lettered: the message is
  left uncommitted and redelivered, because the event is fine and only we are not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
import structlog
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from schemas.envelope import CORRELATION_ID, body_bytes, cloudevent_headers, event_id_of
from schemas.events import Event
from schemas.topics import Topic, topic_for
from services.runtime.logging import bound_event_context
from services.runtime.metrics import EVENTS_CONSUMED, EVENTS_PUBLISHED, HANDLER_RETRIES
from services.runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=Event)

# Errors that mean "we cannot work right now", not "this event is bad".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
    ConnectionError,
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
# Called with the raw body of an event that does not validate; True means it was dealt with
# (e.g. answered with a `rejected` event), False sends it to the dead-letter topic.
InvalidHandler = Callable[[bytes, ValidationError, Delivery], Awaitable[bool]]


def _decode_headers(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): v.decode() if isinstance(v, bytes) else str(v) for k, v in raw.items()}
    return {}


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
            # We log one structured line per event ourselves; FastStream's per-message lines go
            # to DEBUG, and its own logger is off: the kit logs failures itself.
            log_level=logging.DEBUG,
            logger=None,
            graceful_timeout=15.0,
        )
        self._routes: dict[str, _Consumer] = {}
        self._attached = False

    async def start(self) -> None:
        self._attach_consumer()
        await self.broker.start()

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
        await self.broker.publish(body, self.settings.topic(topic_name), key=key, headers=headers)
        EVENTS_PUBLISHED.labels(self.service, topic_name).inc()

    def subscribe(
        self,
        topic: Topic,
        handler: Handler[Any],
        *,
        on_invalid: InvalidHandler | None = None,
    ) -> None:
        """Route `topic`'s events to `handler` once the bus starts.

        All of a service's topics are read by one consumer in one group (`aduan-<service>`):
        replicas of a service share the partitions, and a service joins its group once, not
        once per topic (each join costs session_timeout/2 on Tansu).
        """
        if self.broker.running:
            raise RuntimeError("subscribe before the bus starts")
        self._routes[self.settings.topic(topic.name)] = _Consumer(self, topic, handler, on_invalid)

    def _attach_consumer(self) -> None:
        if not self._routes or self._attached:
            return
        subscriber = self.broker.subscriber(
            *self._routes,
            group_id=self.settings.group(self.service),
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
            title=f"aduan-{self.service}",
        )
        subscriber(self._dispatch)
        self._attached = True

    async def _dispatch(self, msg: KafkaMessage) -> None:
        topic_name = getattr(msg.raw_message, "topic", "")
        await self._routes[topic_name].on_message(msg)


def key_of(event: Event, topic: Topic) -> bytes | None:
    value = getattr(event, topic.key, None)
    return None if value is None else str(value).encode()


class _Consumer:
    def __init__(
        self, bus: EventBus, topic: Topic, handler: Handler[Any], on_invalid: InvalidHandler | None
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.handler = handler
        self.on_invalid = on_invalid

    async def on_message(self, msg: KafkaMessage) -> None:
        record = msg.raw_message
        headers = _decode_headers(msg.headers)
        body: bytes = msg.body
        delivery = Delivery(
            event_id=event_id_of(headers, body),
            topic=self.topic.name,
            partition=getattr(record, "partition", -1),
            offset=getattr(record, "offset", -1),
            headers=headers,
            correlation_id=headers.get(CORRELATION_ID) or event_id_of(headers, body),
        )
        try:
            event = self.topic.model.model_validate_json(body)
        except ValidationError as exc:
            if self.on_invalid is not None and await self.on_invalid(body, exc, delivery):
                EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "rejected").inc()
                return
            await self._dead_letter(body, record, headers, exc, attempts=0)
            return
        ids = {
            "complaint_id": getattr(event, "complaint_id", None),
            "union_id": getattr(event, "union_id", None),
            "correlation_id": delivery.correlation_id,
            "event_id": delivery.event_id,
            "topic": self.topic.name,
        }
        with bound_event_context(**ids):
            await self._handle(event, delivery, body, record, headers)

    async def _handle(
        self, event: Event, delivery: Delivery, body: bytes, record: Any, headers: dict[str, str]
    ) -> None:
        settings = self.bus.settings
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
                        HANDLER_RETRIES.labels(self.bus.service, self.topic.name).inc()
                    await self.handler(event, delivery)
        except TRANSIENT_ERRORS as exc:
            log.warning("event_redelivery", reason=repr(exc))
            EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "redelivered").inc()
            await asyncio.sleep(TRANSIENT_PAUSE_SECONDS)
            raise
        except Exception as exc:
            await self._dead_letter(body, record, headers, exc, attempts=attempts)
            return
        EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "handled").inc()
        log.info("event_handled", attempts=attempts)

    async def _dead_letter(
        self, body: bytes, record: Any, headers: dict[str, str], exc: Exception, attempts: int
    ) -> None:
        dlq_headers = {
            **headers,
            "x-dlq-error": str(exc)[:2000],
            "x-dlq-error-type": type(exc).__name__,
            "x-dlq-original-topic": self.topic.name,
            "x-dlq-original-partition": str(getattr(record, "partition", -1)),
            "x-dlq-original-offset": str(getattr(record, "offset", -1)),
            "x-dlq-consumer": self.bus.settings.group(self.bus.service),
            "x-dlq-attempts": str(attempts),
            "x-dlq-failed-at": datetime.now(UTC).isoformat(),
        }
        await self.bus.publish_raw(self.topic.dlq, body, getattr(record, "key", None), dlq_headers)
        EVENTS_CONSUMED.labels(self.bus.service, self.topic.name, "dead_lettered").inc()
        log.error(
            "event_dead_lettered",
            error=str(exc)[:500],
            error_type=type(exc).__name__,
            attempts=attempts,
        )
