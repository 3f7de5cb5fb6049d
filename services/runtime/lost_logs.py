"""Consumers that find their partition's log gone start it again from its beginning.

Kafka answers a fetch beyond the end of a log with OFFSET_OUT_OF_RANGE, and the consumer then
resets its position (here to the earliest offset). The embedded broker (Tansu, topics in memory)
answers it with nothing: after a restart every partition starts again at offset 0, and a
consumer still positioned where the old log ended waits, without a word, until the new log grows
past that offset. In a chaos run one partition of complaint.submitted went unread for five
minutes after a broker kill; intake's re-sends of the stuck complaints landed on that same
partition and waited with them.

So each service looks at its consumers every few seconds (a job of the service runtime,
`services/runtime/http.py`): a position beyond the partition's high watermark (known
from the last fetch) means the log this consumer read is gone, and the consumer seeks to the
beginning of the new one, as Kafka's reset would. Nothing is skipped; what is read twice is
handled once (processed_events). On a broker that keeps its logs the condition never holds.
"""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import IllegalStateError

log = structlog.get_logger(__name__)

# A partition whose position is still being reset (after a rebalance) is looked at next time.
POSITION_WAIT_SECONDS = 1.0


async def rewind_lost_logs(consumer: AIOKafkaConsumer) -> None:
    """Seek every assigned partition positioned beyond its log's end to its beginning."""
    for partition in consumer.assignment():
        end = consumer.highwater(partition)
        if end is None:  # not fetched yet
            continue
        try:
            position = await asyncio.wait_for(
                consumer.position(partition), timeout=POSITION_WAIT_SECONDS
            )
        except (TimeoutError, IllegalStateError):  # being reset, or no longer assigned
            continue
        if position > end:
            await consumer.seek_to_beginning(partition)
            log.warning(
                "partition_log_lost",
                topic=partition.topic,
                partition=partition.partition,
                position=position,
                log_end=end,
            )
