"""Prometheus metrics the kit itself records, and the bounded `union` label.

Union ids come from outside; using them raw as label values would let any frontend create
unbounded series. Only registered unions get their own series; everything else is `other`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OTHER_UNION = "other"

EVENTS_CONSUMED = Counter(
    "aduan_events_consumed_total",
    "Events taken from a topic, by what became of them.",
    ["service", "topic", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "aduan_events_published_total", "Events published to a topic.", ["service", "topic"]
)
HANDLER_RETRIES = Counter(
    "aduan_handler_retries_total",
    "Handler attempts that failed and were retried.",
    ["service", "topic"],
)
OUTBOX_PENDING = Gauge(
    "aduan_outbox_pending", "Outbox rows not yet published, at the last relay pass.", ["service"]
)


class UnionLabels:
    """The set of union ids that may appear as label values."""

    def __init__(self, known: set[str] | None = None) -> None:
        self._known: set[str] = set(known or ())

    def register(self, union_id: str) -> None:
        self._known.add(union_id)

    def __call__(self, union_id: str | None) -> str:
        return union_id if union_id in self._known else OTHER_UNION

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self._known)
