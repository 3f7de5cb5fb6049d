"""Whether each consumer group's offsets reach the broker, and what to do when they stop.

A commit that fails now and then is harmless: the events behind it are handled again and the
handlers are idempotent. A consumer whose commits keep failing while it keeps handling events
is wedged (seen after a broker restart: told over and over that its member id was unknown, it
handled the same events again and again for minutes, five times the real load). It cannot
heal itself; a fresh process with a fresh consumer does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from services.runtime.metrics import OFFSET_COMMIT_FAILURES

log = structlog.get_logger(__name__)


@dataclass
class _Streak:
    first: float
    last: float
    failures: int = 1


class CommitWatch:
    """Failed commits in a row per consumer group, since when, and which groups are wedged.

    Only failures spread over `patience_seconds` make a group wedged: a rebalance fails the
    commits of a few seconds, and a broker that is down hands out no events to commit at all,
    so its outage never stretches a streak however long it lasts.
    """

    def __init__(
        self,
        service: str,
        patience_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.patience_seconds = patience_seconds
        self.clock = clock
        self._streaks: dict[str, _Streak] = {}

    def succeeded(self, group: str) -> None:
        if self._streaks.pop(group, None) is not None:
            log.info("offset_commits_recovered", group=group)

    def failed(self, group: str, error: Exception) -> None:
        OFFSET_COMMIT_FAILURES.labels(self.service, group).inc()
        now = self.clock()
        streak = self._streaks.get(group)
        if streak is None:
            self._streaks[group] = _Streak(now, now)
        else:
            streak.last, streak.failures = now, streak.failures + 1
        log.warning("offset_commit_failed", group=group, error=repr(error)[:300])

    def wedged(self) -> dict[str, float]:
        """Groups whose commits have failed for at least the patience: seconds they have."""
        return {
            group: round(streak.last - streak.first, 1)
            for group, streak in self._streaks.items()
            if streak.last - streak.first >= self.patience_seconds
        }

    def report(self) -> str:
        """For /health: "ok", or which groups are wedged and for how long."""
        wedged = self.wedged()
        if not wedged:
            return "ok"
        return "failing: " + ", ".join(f"{group} for {s} s" for group, s in wedged.items())
