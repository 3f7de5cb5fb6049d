"""Per-union response-time and satisfaction metrics, observed from the lifecycle events.

Like the statistics API, /metrics never shows a group of one to four complaints: what workers
complained about (category, priority), how long their union took and how they rated it appear
per group only from five on (`small_groups_hidden`). Per-union totals (`aduan_union_*`) carry
the union-wide figures, so a union's p90 or review share does not lose the complaints of its
small priority or category groups. SLA breaches and reopenings stay whole: the alerts must see
the first missed P1 deadline, and the statistics API reports those counts exactly too.

Bucket bounds sit at the service-level targets, so "share answered within target" is one bucket
read: first human response P1 24 h, P2 3 days, P3 7 days (docs/domain.md §6).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from services.runtime.metrics import small_groups_hidden

HOUR = 3600.0
DAY = 24 * HOUR

PIPELINE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600)
FIRST_RESPONSE_BUCKETS = (HOUR, 4 * HOUR, DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY)
RESOLUTION_BUCKETS = (DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 60 * DAY, 90 * DAY)

TIME_TO_TRIAGE = small_groups_hidden(
    Histogram(
        "aduan_time_to_triage_seconds",
        "Submission to triage, per union.",
        ["union"],
        buckets=PIPELINE_BUCKETS,
    )
)
TIME_TO_RECOMMENDATION = small_groups_hidden(
    Histogram(
        "aduan_time_to_recommendation_seconds",
        "Submission to recommendation, per union.",
        ["union"],
        buckets=PIPELINE_BUCKETS,
    )
)
TIME_TO_FIRST_RESPONSE = small_groups_hidden(
    Histogram(
        "aduan_time_to_first_response_seconds",
        "Submission to the first officer response, per union and priority.",
        ["union", "priority"],
        buckets=FIRST_RESPONSE_BUCKETS,
    )
)
UNION_TIME_TO_FIRST_RESPONSE = small_groups_hidden(
    Histogram(
        "aduan_union_time_to_first_response_seconds",
        "Submission to the first officer response, per union (all priorities).",
        ["union"],
        buckets=FIRST_RESPONSE_BUCKETS,
    )
)
TIME_TO_RESOLUTION = small_groups_hidden(
    Histogram(
        "aduan_time_to_resolution_seconds",
        "Submission to resolution, per union and outcome.",
        ["union", "outcome"],
        buckets=RESOLUTION_BUCKETS,
    )
)
UNION_TIME_TO_RESOLUTION = small_groups_hidden(
    Histogram(
        "aduan_union_time_to_resolution_seconds",
        "Submission to resolution, per union (all outcomes).",
        ["union"],
        buckets=RESOLUTION_BUCKETS,
    )
)
RATING_SCORE = small_groups_hidden(
    Histogram(
        "aduan_rating_score",
        "Workers' satisfaction ratings (1-5), per union.",
        ["union"],
        buckets=(1, 2, 3, 4, 5),
    )
)

RATINGS_FIXED = small_groups_hidden(
    Counter(
        "aduan_ratings_total",
        "Workers' ratings by whether the problem was fixed, per union.",
        ["union", "fixed"],
    )
)

COMPLAINTS_TRIAGED = small_groups_hidden(
    Counter(
        "aduan_complaints_triaged_total",
        "Complaints triaged, per union, category, priority and whether they need review.",
        # 17 categories x 3 priorities x 2: ~100 series per registered union, made as they occur.
        ["union", "category", "priority", "needs_review"],
    )
)
UNION_COMPLAINTS_TRIAGED = small_groups_hidden(
    Counter(
        "aduan_union_complaints_triaged_total",
        "Complaints triaged, per union and whether they need review (no breakdown).",
        ["union", "needs_review"],
    )
)
SLA_BREACHES = Counter(
    "aduan_sla_breaches_total",
    "SLA clocks that passed their deadline (one per complaint, clock and round), per union,"
    " priority and clock (first_response, resolution).",
    ["union", "priority", "clock"],
)
SLA_CLOCKS_STOPPED = Counter(
    "aduan_sla_clocks_stopped_total",
    "SLA clocks stopped by a first response or a resolution, by whether they met the target on"
    " the union's business-time calendar (met, breached); compliance = met / all.",
    ["union", "priority", "clock", "status"],
)
COMPLAINTS_REOPENED = Counter(
    "aduan_complaints_reopened_total",
    "Resolved complaints the worker reopened as not fixed, per union.",
    ["union"],
)

SLA_PRIORITIES = ("P1", "P2", "P3")
SLA_CLOCKS = ("first_response", "resolution")
SLA_STATUSES = ("met", "breached")


def precreate(union: str) -> None:
    """Create a registered union's SLA and reopen series at 0.

    A counter series that appears only with its first increment has no earlier sample, so
    `increase()` and ratios miss that first event; series that exist from the union's
    registration on count it. Only registered unions (and `other`) get series, as for every
    union label.
    """
    COMPLAINTS_REOPENED.labels(union)
    for priority in SLA_PRIORITIES:
        for clock in SLA_CLOCKS:
            SLA_BREACHES.labels(union, priority, clock)
            for status in SLA_STATUSES:
                SLA_CLOCKS_STOPPED.labels(union, priority, clock, status)


def count_triaged(union: str, category: str, priority: str, needs_review: bool) -> None:
    review = str(needs_review).lower()
    COMPLAINTS_TRIAGED.labels(union, category, priority, review).inc()
    UNION_COMPLAINTS_TRIAGED.labels(union, review).inc()


def observe_first_response(union: str, priority: str, seconds: float) -> None:
    TIME_TO_FIRST_RESPONSE.labels(union, priority).observe(seconds)
    UNION_TIME_TO_FIRST_RESPONSE.labels(union).observe(seconds)


def observe_resolution(union: str, outcome: str, seconds: float) -> None:
    TIME_TO_RESOLUTION.labels(union, outcome).observe(seconds)
    UNION_TIME_TO_RESOLUTION.labels(union).observe(seconds)
