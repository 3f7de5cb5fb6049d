"""Each consumer group's partition assignments, in the service's log.

A group that waits for its partitions reads nothing while the service answers /health, so a
slow join (a rebalance after missed heartbeats on a busy machine, a member the broker waits
for) is otherwise invisible. Each assignment and revocation is logged with the seconds since
the consumer asked to join, which is how long the group read nothing.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition


def _log() -> Any:
    # Fetched at each rebalance, which is rare: a module logger is cached at its first use with
    # the configuration of that moment, and a process that configures logging again (a test
    # run, a service restarted in process) would not see these lines where it now logs.
    return structlog.get_logger(__name__)


class LoggedAssignments(ConsumerRebalanceListener):  # type: ignore[misc]
    """Logs `partitions_assigned` and `partitions_revoked` for one group."""

    def __init__(self, group_id: str) -> None:
        self.group_id = group_id
        self._asked_at = time.monotonic()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._asked_at = time.monotonic()
        if revoked:
            _log().info("partitions_revoked", group=self.group_id, partitions=len(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        _log().info(
            "partitions_assigned",
            group=self.group_id,
            partitions=len(assigned),
            waited_seconds=round(time.monotonic() - self._asked_at, 2),
        )
