"""`aduan up`'s supervisor: crashed services come back, quickly once, then with a back-off."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.stack.supervisor import (
    MAX_RESTART_DELAY_SECONDS,
    STABLE_AFTER_SECONDS,
    Child,
    restart_crashed,
    restart_delay,
)


class FakeProcess:
    def __init__(self) -> None:
        self.exit_code: int | None = None

    def poll(self) -> int | None:
        return self.exit_code


class FakeChild(Child):
    """A child whose 'process' is a flag; `start` records when it was started."""

    clock = 0.0

    def start(self) -> None:
        self.process = FakeProcess()  # type: ignore[assignment]
        self.history.append(FakeChild.clock)

    def crash(self) -> None:
        assert isinstance(self.process, FakeProcess)
        self.process.exit_code = 1


@pytest.fixture()
def child(tmp_path: Path) -> FakeChild:
    FakeChild.clock = 0.0
    started = FakeChild("intake", 8081, {}, tmp_path / "intake.log")
    started.start()
    return started


def at(seconds: float, children: list[Child]) -> list[str]:
    FakeChild.clock = seconds
    return [c.name for c in restart_crashed(children, now=seconds)]


class TestRestarts:
    """A crash is healed at once; crashes in a row wait longer each time; nobody is abandoned."""

    def test_a_first_crash_is_restarted_at_once(self, child: FakeChild) -> None:
        child.crash()
        assert at(10, [child]) == ["intake"]
        assert child.alive()

    def test_quick_crashes_in_a_row_back_off(self, child: FakeChild) -> None:
        child.crash()
        assert at(1, [child]) == ["intake"]
        child.crash()
        assert at(2, [child]) == []  # second crash in a row: wait 2 s
        assert at(3.9, [child]) == []
        assert at(4.1, [child]) == ["intake"]

    def test_a_service_that_never_starts_is_still_retried(self, child: FakeChild) -> None:
        now = 0.0
        for _ in range(20):
            child.crash()
            at(now, [child])  # seen dead: restarted now, or once its back-off has passed
            if not child.alive():
                assert at(now + MAX_RESTART_DELAY_SECONDS, [child]) == ["intake"]
            now += MAX_RESTART_DELAY_SECONDS + 1
        assert child.restarts == 20
        assert child.crashes_in_a_row == 20

    def test_a_long_healthy_run_forgets_earlier_crashes(self, child: FakeChild) -> None:
        for second in (1, 2, 5):
            child.crash()
            at(second, [child])
            at(second + 4, [child])
        child.crash()
        assert at(10 + STABLE_AFTER_SECONDS, [child]) == ["intake"]
        assert child.crashes_in_a_row == 1

    @pytest.mark.parametrize(
        ("crashes", "delay"), [(1, 0.0), (2, 2.0), (3, 4.0), (6, 32.0), (30, 60.0)]
    )
    def test_delay_doubles_up_to_a_minute(self, crashes: int, delay: float) -> None:
        assert restart_delay(crashes) == delay
