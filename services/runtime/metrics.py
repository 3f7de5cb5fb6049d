"""Prometheus metrics the kit itself records, and the bounded `union` label.

Union ids come from outside; using them raw as label values would let any frontend create
unbounded series. Only registered unions get their own series; everything else is `other`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

OTHER_UNION = "other"
# Fewer complaints than this in a group are never shown per union: a union's two ratings or
# one harassment complaint at a small workplace point at the workers behind them. The same rule
# as the statistics API's (feedback/stats.py).
MIN_GROUP_SIZE = 5

M = TypeVar("M", bound=MetricWrapperBase)
_SMALL_GROUPS_HIDDEN: set[str] = set()

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
OFFSET_COMMIT_FAILURES = Counter(
    "aduan_offset_commit_failures_total",
    "Offset commits the broker refused: the events behind them will be handled again.",
    ["service", "group"],
)
OUTBOX_PENDING = Gauge(
    "aduan_outbox_pending", "Outbox rows not yet published, at the last relay pass.", ["service"]
)
OUTBOX_PARKED = Gauge(
    "aduan_outbox_parked",
    "Outbox rows set aside because the broker cannot take them (too large, say).",
    ["service"],
)


def small_groups_hidden(metric: M) -> M:
    """Export `metric` only for label sets that counted no event or at least MIN_GROUP_SIZE
    (a series appears when its group reaches the size; its first increase() is undercounted)."""
    _SMALL_GROUPS_HIDDEN.add(metric._name)
    return metric


class PublicMetrics(Collector):
    """What /metrics shows: the registry, without the small groups of marked metrics."""

    def __init__(self, registry: Collector = REGISTRY) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            yield _without_small_groups(family) if family.name in _SMALL_GROUPS_HIDDEN else family


def _group(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "le"))


def _without_small_groups(family: Metric) -> Metric:
    # A histogram's group size is its _count sample; a counter's, its _total sample.
    size_sample = family.name + ("_count" if family.type == "histogram" else "_total")
    sizes = {_group(s.labels): s.value for s in family.samples if s.name == size_sample}
    shown = Metric(family.name, family.documentation, family.type, family.unit)
    shown.samples = [
        s for s in family.samples if not 0 < sizes.get(_group(s.labels), 0) < MIN_GROUP_SIZE
    ]
    return shown


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
