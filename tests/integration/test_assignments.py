"""Each consumer group's assignment shows in the service's log, with how long it waited."""

from __future__ import annotations

import uuid

from structlog.testing import capture_logs

from schemas.events import UnionRegistered
from schemas.topics import UNION_REGISTERED
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery
from services.runtime.settings import ServiceSettings
from services.stack.embedded import create_topics
from tests.support import eventually, union_registered


class TestAssignmentsAreLogged:
    """A group that waits for its partitions reads nothing while /health says ok; the log is
    where an operator sees the wait."""

    async def test_the_join_is_logged_with_its_group_and_wait(self, kafka_bootstrap: str) -> None:
        prefix = f"assign-{uuid.uuid4().hex[:8]}."
        settings = ServiceSettings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
        await create_topics(kafka_bootstrap, [(prefix + UNION_REGISTERED.name, 2)])
        seen: list[str] = []

        async def handler(event: UnionRegistered, delivery: Delivery) -> None:
            seen.append(event.union_id)

        runtime = ServiceRuntime("assignments", settings)
        runtime.bus.subscribe(UNION_REGISTERED, handler)
        runtime.bus.publishes(UNION_REGISTERED)
        with capture_logs() as logs:
            await runtime.start()
            try:
                await runtime.bus.publish(union_registered("spn"))
                await eventually(lambda: seen)
            finally:
                await runtime.stop()
        assigned = [e for e in logs if e["event"] == "partitions_assigned"]
        assert len(assigned) == 1, logs
        assert assigned[0]["group"] == runtime.bus.group_id()
        assert assigned[0]["partitions"] == 2
        assert 0 < assigned[0]["waited_seconds"] < 60
