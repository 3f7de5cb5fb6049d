"""A consumer positioned beyond its partition's log, as every consumer is after the embedded
broker restarts with empty logs, reads the new log from its beginning instead of waiting for it
to grow past the old position."""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import TopicPartition

from schemas.events import UnionRegistered
from schemas.topics import UNION_REGISTERED
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery
from services.runtime.settings import ServiceSettings
from services.stack.embedded import create_topics
from tests.support import eventually, union_registered

# Far beyond anything this test writes: where a consumer stands after reading an old, longer log.
OLD_POSITION = 10_000


class TestALostLogIsReadAgain:
    """The chaos run's broker round: complaints submitted after a broker restart waited minutes
    on one partition that no consumer read."""

    async def test_events_written_after_the_log_was_lost_are_handled(
        self, kafka_bootstrap: str
    ) -> None:
        prefix = f"lost-{uuid.uuid4().hex[:8]}."
        settings = ServiceSettings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
        topic = prefix + UNION_REGISTERED.name
        await create_topics(kafka_bootstrap, [(topic, 1)])
        seen: list[str] = []

        async def handler(event: UnionRegistered, delivery: Delivery) -> None:
            seen.append(event.union_id)

        runtime = ServiceRuntime("lostlogs", settings)
        bus = runtime.bus
        bus.subscribe(UNION_REGISTERED, handler)
        bus.publishes(UNION_REGISTERED)
        await runtime.start()
        try:
            await bus.publish(union_registered("before"))
            await eventually(lambda: "before" in seen)
            consumer: Any = bus.broker.subscribers[0].consumer  # type: ignore[attr-defined]
            consumer.seek(TopicPartition(topic, 0), OLD_POSITION)

            for union in ("after1", "after2"):
                await bus.publish(union_registered(union))
            await eventually(lambda: {"after1", "after2"} <= set(seen))
            assert seen.count("before") == 2, seen  # the whole new log, read from its start
        finally:
            await runtime.stop()
