"""Per-union response-time and satisfaction metrics, observed from the lifecycle events.

Bucket bounds sit at the service-level targets, so "share answered within target" is one bucket
read: first human response P1 24 h, P2 3 days, P3 7 days (DOMAIN.md triage proposal).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HOUR = 3600.0
DAY = 24 * HOUR

PIPELINE_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600)
FIRST_RESPONSE_BUCKETS = (HOUR, 4 * HOUR, DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY)
RESOLUTION_BUCKETS = (DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 60 * DAY, 90 * DAY)

TIME_TO_TRIAGE = Histogram(
    "aduan_time_to_triage_seconds",
    "Submission to triage, per union.",
    ["union"],
    buckets=PIPELINE_BUCKETS,
)
TIME_TO_RECOMMENDATION = Histogram(
    "aduan_time_to_recommendation_seconds",
    "Submission to recommendation, per union.",
    ["union"],
    buckets=PIPELINE_BUCKETS,
)
TIME_TO_FIRST_RESPONSE = Histogram(
    "aduan_time_to_first_response_seconds",
    "Submission to the first officer response, per union and priority.",
    ["union", "priority"],
    buckets=FIRST_RESPONSE_BUCKETS,
)
TIME_TO_RESOLUTION = Histogram(
    "aduan_time_to_resolution_seconds",
    "Submission to resolution, per union and outcome.",
    ["union", "outcome"],
    buckets=RESOLUTION_BUCKETS,
)
RATING_SCORE = Histogram(
    "aduan_rating_score",
    "Workers' satisfaction ratings (1-5), per union.",
    ["union"],
    buckets=(1, 2, 3, 4, 5),
)
RATINGS_FIXED = Counter(
    "aduan_ratings_total",
    "Workers' ratings by whether the problem was fixed, per union.",
    ["union", "fixed"],
)
COMPLAINTS_TRIAGED = Counter(
    "aduan_complaints_triaged_total",
    "Complaints triaged, per union, priority and whether they need review.",
    ["union", "priority", "needs_review"],
)
