"""Where a triage worker's time goes, poll by poll.

Operators scale triage workers on these: a worker whose `embed` share dominates is as fast as
its encoder allows and needs more cores or more replicas; a growing `publish` or `classify`
share points at the broker or the model instead.
"""

from __future__ import annotations

from prometheus_client import Histogram

# Polls of 32 take ~0.3-1 s on two cores; the bounds resolve that range and its tails.
STAGE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

POLL_STAGE_SECONDS = Histogram(
    "aduan_triage_poll_stage_seconds",
    "Seconds one poll of complaints spent embedding, classifying and publishing.",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
POLL_COMPLAINTS = Histogram(
    "aduan_triage_poll_complaints",
    "Complaints handled together in one poll.",
    buckets=(1, 2, 4, 8, 16, 24, 32, 64),
)
