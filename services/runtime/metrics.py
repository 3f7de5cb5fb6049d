"""Prometheus metrics the kit itself records, and the bounded `union` label.

Union ids come from outside; using them raw as label values would let any frontend create
unbounded series. Only registered unions get their own series; everything else is `other`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
# From a few milliseconds (a quiet stream) to tens of seconds (a backlog being drained).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
EVENT_WAIT_SECONDS = Histogram(
    "aduan_event_wait_seconds",
    "From an event's broker timestamp to its handler starting: how long it queued.",
    ["service", "topic"],
    buckets=LATENCY_BUCKETS,
)
EVENT_HANDLING_SECONDS = Histogram(
    "aduan_event_handling_seconds",
    "How long an event was in its handler (a batch's duration counts for each of its events).",
    ["service", "topic"],
    buckets=LATENCY_BUCKETS,
)
OUTBOX_PENDING = Gauge(
    "aduan_outbox_pending", "Outbox rows not yet published, at the last relay pass.", ["service"]
)
OUTBOX_PARKED = Gauge(
    "aduan_outbox_parked",
    "Outbox rows set aside because the broker cannot take them (too large, say).",
    ["service"],
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
