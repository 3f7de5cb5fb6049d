"""Whatever bytes arrive on a topic, the kit turns them into an event or a dead letter.

Hypothesis feeds each topic's parser arbitrary bytes, arbitrary JSON and near-valid events
(right keys, wrong values). A body must never raise out of the parser: that would be redelivered
forever and hold its partition, with every event behind it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from schemas.events import Event
from schemas.topics import TOPICS, Topic
from services.runtime.messaging import EventBus, _Consumer, _Raw
from services.runtime.sealing import Sealer
from services.runtime.settings import ServiceSettings

KEY = SecretStr("p" * 40)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def near_valid(topic: Topic) -> st.SearchStrategy[bytes]:
    """Objects with the topic's own field names and arbitrary values."""
    fields = list(topic.model.model_fields)
    return st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)).map(
        lambda d: json.dumps(d).encode()
    )


def bodies(topic: Topic) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=256),
        json_values.map(lambda v: json.dumps(v).encode()),
        near_valid(topic),
    )


class KeepingBus(EventBus):
    """A bus whose producer is a list: keeps what would go to `<topic>.dlq`."""

    def __init__(self) -> None:
        super().__init__(ServiceSettings(dead_letter_keys=[KEY]), "fuzz")
        self.letters: list[tuple[str, bytes, dict[str, str]]] = []

    async def publish_raw(
        self, topic_name: str, body: bytes, key: bytes | None, headers: dict[str, str]
    ) -> None:
        self.letters.append((topic_name, body, headers))


def consumer_of(topic: Topic, bus: KeepingBus) -> _Consumer:
    async def never(event: Event, delivery: Any) -> None:
        raise AssertionError("parsing alone is under test")

    return _Consumer(bus, topic, never, None)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
class TestEveryTopicsParser:
    """Each body ends as a valid event or one sealed dead letter with a reason."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    async def test_a_body_is_an_event_or_a_dead_letter(self, topic: Topic, data: Any) -> None:
        body = data.draw(bodies(topic))
        bus = KeepingBus()
        raw = _Raw(body, {"content-type": "application/json"}, b"k", 0, 0, None)
        parsed = await consumer_of(topic, bus).parse(raw)
        if parsed is not None:
            event, _ = parsed
            assert isinstance(event, topic.model)
            assert bus.letters == []
            return
        [(dlq, sealed, headers)] = bus.letters
        assert dlq == topic.dlq
        assert headers["x-dlq-error-type"] == "ValidationError"
        assert headers["x-dlq-error"]
        assert Sealer([KEY]).open(sealed) == body
