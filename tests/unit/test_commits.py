"""A consumer whose offset commits keep failing is noticed, reported and restarted."""

from __future__ import annotations

from types import SimpleNamespace

from aiokafka.errors import CommitFailedError
from prometheus_client import REGISTRY

from services.runtime.commits import CommitWatch
from services.runtime.http import ServiceRuntime, _stop_if_wedged
from services.runtime.messaging import EventBus
from services.runtime.settings import ServiceSettings

PATIENCE = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failing_for(watch: CommitWatch, clock: Clock, seconds: float, every: float = 1.0) -> None:
    """Commits of `watch`'s group "g" fail every `every` seconds for `seconds`."""
    end = clock.now + seconds
    while clock.now <= end:
        watch.failed("g", CommitFailedError("unknown member"))
        clock.now += every


class TestCommitWatch:
    """Only commits that keep failing while events keep coming make a group wedged."""

    def test_a_rebalance_is_not_a_wedge(self) -> None:
        clock = Clock()
        watch = CommitWatch("unit", PATIENCE, clock)
        failing_for(watch, clock, 5)
        assert watch.wedged() == {}
        assert watch.report() == "ok"

    def test_failures_spread_over_the_patience_wedge_the_group(self) -> None:
        clock = Clock()
        watch = CommitWatch("unit", PATIENCE, clock)
        failing_for(watch, clock, PATIENCE + 1)
        assert watch.wedged() == {"g": 61.0}
        assert watch.report() == "failing: g for 61.0 s"

    def test_a_success_ends_the_streak(self) -> None:
        clock = Clock()
        watch = CommitWatch("unit", PATIENCE, clock)
        failing_for(watch, clock, PATIENCE - 10)
        watch.succeeded("g")
        failing_for(watch, clock, 20)
        assert watch.wedged() == {}

    def test_a_long_broker_outage_is_not_a_wedge(self) -> None:
        """A broker that is down hands out no events: one failed commit, then silence."""
        clock = Clock()
        watch = CommitWatch("unit", PATIENCE, clock)
        watch.failed("g", CommitFailedError("broker gone"))
        clock.now += 10 * PATIENCE
        assert watch.wedged() == {}

    def test_groups_are_watched_apart(self) -> None:
        clock = Clock()
        watch = CommitWatch("unit", PATIENCE, clock)
        watch.failed("other", CommitFailedError("once"))
        failing_for(watch, clock, PATIENCE)
        assert list(watch.wedged()) == ["g"]

    def test_each_failure_is_counted_for_prometheus(self) -> None:
        labels = {"service": "unit-count", "group": "g"}
        before = REGISTRY.get_sample_value("aduan_offset_commit_failures_total", labels) or 0
        watch = CommitWatch("unit-count", PATIENCE, Clock())
        watch.failed("g", CommitFailedError("x"))
        watch.failed("g", CommitFailedError("x"))
        after = REGISTRY.get_sample_value("aduan_offset_commit_failures_total", labels)
        assert after == before + 2


def message(ack_error: Exception | None) -> SimpleNamespace:
    async def ack() -> None:
        if ack_error is not None:
            raise ack_error

    return SimpleNamespace(ack=ack)


class TestBusCommit:
    """The bus commits each handled message itself, so that every outcome is seen."""

    async def test_a_refused_commit_is_recorded_not_raised(self) -> None:
        bus = EventBus(ServiceSettings(consumer_commit_patience_seconds=0), "unit")
        await bus.commit(message(CommitFailedError("unknown member")), "aduan-unit")  # type: ignore[arg-type]
        assert bus.commits.wedged() == {"aduan-unit": 0.0}

    async def test_a_commit_that_goes_through_clears_the_streak(self) -> None:
        bus = EventBus(ServiceSettings(consumer_commit_patience_seconds=0), "unit")
        await bus.commit(message(CommitFailedError("unknown member")), "aduan-unit")  # type: ignore[arg-type]
        await bus.commit(message(None), "aduan-unit")  # type: ignore[arg-type]
        assert bus.commits.wedged() == {}


class TestWedgedService:
    """A service with a wedged consumer says so and stops, for its supervisor to restart it."""

    def runtime(self) -> tuple[ServiceRuntime, list[str]]:
        settings = ServiceSettings(consumer_commit_patience_seconds=0)
        runtime = ServiceRuntime("unit", settings)
        stopped: list[str] = []
        runtime.stop_process = lambda: stopped.append("stopped")
        return runtime, stopped

    async def test_a_wedged_consumer_stops_the_process(self) -> None:
        runtime, stopped = self.runtime()
        runtime.bus.commits.failed("aduan-unit", CommitFailedError("unknown member"))
        await _stop_if_wedged(runtime)
        assert stopped == ["stopped"]

    async def test_committing_consumers_leave_it_running(self) -> None:
        runtime, stopped = self.runtime()
        await _stop_if_wedged(runtime)
        assert stopped == []

    async def test_health_reports_the_wedged_group(self) -> None:
        runtime, _ = self.runtime()
        runtime.bus.commits.failed("aduan-unit", CommitFailedError("unknown member"))
        report = await runtime.health()
        assert report.status == "degraded"
        assert report.checks["offsets"] == "failing: aduan-unit for 0.0 s"
