"""SLA policy: targets in days or hours of the clock's calendar, settings, one clock's verdict."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.feedback.sla import (
    DEFAULT_TARGETS,
    SlaPolicy,
    Target,
    changed,
    evaluate,
    policy_from_row,
    policy_to_row,
)

WIB = ZoneInfo("Asia/Jakarta")
H = timedelta(hours=1)
MONDAY_10 = datetime(2025, 2, 3, 10, tzinfo=WIB)


class TestTargets:
    def test_defaults(self) -> None:
        policy = SlaPolicy()
        assert policy.target("first_response", "P1") == 24 * H  # around the clock
        assert policy.target("first_response", "P2") == 27 * H  # 3 working days of 9 h
        assert policy.target("first_response", "P3") == 63 * H
        assert policy.target("resolution", "P1") == 7 * 24 * H
        assert policy.target("resolution", "P2") == 270 * H
        assert policy.target("resolution", "P3") == 540 * H

    def test_parse(self) -> None:
        assert Target.parse("3d") == Target(3, "d")
        assert Target.parse(" 40h ") == Target(40, "h")
        assert str(Target.parse("1.5d")) == "1.5d"
        for bad in ("3", "0d", "-1h", "3w", ""):
            with pytest.raises(ValueError):
                Target.parse(bad)

    def test_a_target_is_at_most_a_year(self) -> None:
        """10^14 days overflowed every deadline computed from it; 3,000,000 became '3e+06d'."""
        assert str(Target.parse("366d")) == "366d"
        assert str(Target.parse("8784h")) == "8784h"
        for too_long in ("367d", "8785h", "3000000d", "99999999999999d"):
            with pytest.raises(ValueError, match="at most 366d"):
                Target.parse(too_long)

    def test_a_stored_target_beyond_the_bounds_falls_back_to_the_default(self) -> None:
        """A union poisoned before the bounds existed keeps working with the default target."""
        stored = {"first_response": {"P2": "99999999999999d", "P3": "5d"}}
        row = policy_to_row(SlaPolicy()) | {"targets": stored}
        policy = policy_from_row(row)
        assert policy.target("first_response", "P2") == SlaPolicy().target("first_response", "P2")
        assert policy.target("first_response", "P3") == 45 * H

    def test_a_day_is_the_unions_working_day(self) -> None:
        short = changed(SlaPolicy(), hours="07:00-15:00")
        assert short.target("first_response", "P2") == 24 * H  # 3 days of 8 h

    def test_p1_on_working_hours_when_the_union_says_so(self) -> None:
        policy = changed(SlaPolicy(), around_the_clock=[])
        assert policy.target("first_response", "P1") == 9 * H
        # Friday 16:00: one working day is due Monday 16:00, not Saturday.
        friday = datetime(2025, 2, 7, 16, tzinfo=WIB)
        verdict = evaluate(policy, "first_response", "P1", friday, None, friday + 30 * H)
        assert verdict.deadline == datetime(2025, 2, 10, 16, tzinfo=WIB)
        assert verdict.status == "pending"


class TestSettings:
    def test_row_round_trip_keeps_only_overrides(self) -> None:
        policy = changed(
            SlaPolicy(),
            timezone="Asia/Makassar",
            workdays="mon-sat",
            hours="07:30-16:00",
            national_holidays=True,
            extra_holidays=[date(2025, 4, 2), date(2025, 4, 3)],
            around_the_clock=["P1", "P2"],
            targets={"first_response": {"P2": "12h"}, "resolution": {"P3": "45d"}},
        )
        row = policy_to_row(policy)
        assert row["targets"] == {"first_response": {"P2": "12h"}, "resolution": {"P3": "45d"}}
        assert row["workdays"] == [0, 1, 2, 3, 4, 5]
        assert (row["opens"], row["closes"]) == (time(7, 30), time(16))
        assert policy_from_row(row) == policy

    def test_no_row_means_the_defaults(self) -> None:
        assert policy_from_row(None) == SlaPolicy()
        assert dict(SlaPolicy().targets) == DEFAULT_TARGETS

    @pytest.mark.parametrize(
        "change",
        [
            {"timezone": "Mars/Olympus"},
            {"workdays": "sun-mon"},
            {"hours": "17:00-08:00"},
            {"hours": "eight to five"},
            {"around_the_clock": ["P4"]},
            {"targets": {"first_response": {"P2": "soon"}}},
            {"targets": {"lunch": {"P2": "1h"}}},
            {"targets": {"resolution": {"P9": "1h"}}},
        ],
    )
    def test_bad_settings_are_refused_with_a_reason(self, change: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            changed(SlaPolicy(), **change)  # type: ignore[arg-type]

    def test_describe(self) -> None:
        described = SlaPolicy().describe()
        assert described["timezone"] == "Asia/Jakarta"
        assert described["workdays"] == ["mon", "tue", "wed", "thu", "fri"]
        assert described["hours"] == "08:00-17:00"
        assert described["targets"]["first_response"]["P1"] == {
            "target": "1d",
            "hours": 24.0,
            "counted": "around the clock",
        }


class TestVerdict:
    policy = SlaPolicy()

    def test_stopped_by_the_deadline_is_met(self) -> None:
        # P2 from Monday 10:00: 27 working hours -> Thursday 10:00.
        due = datetime(2025, 2, 6, 10, tzinfo=WIB)
        met = evaluate(self.policy, "first_response", "P2", MONDAY_10, due, due + 100 * H)
        assert (met.status, met.deadline, met.used) == ("met", due, 27 * H)
        late = evaluate(self.policy, "first_response", "P2", MONDAY_10, due + H, due + 100 * H)
        assert late.status == "breached"

    def test_running_clock(self) -> None:
        due = datetime(2025, 2, 6, 10, tzinfo=WIB)
        assert evaluate(self.policy, "resolution", "P2", MONDAY_10, None, due).status == "pending"
        running = evaluate(self.policy, "first_response", "P2", MONDAY_10, None, due + H)
        assert running.status == "breached"

    def test_open_pause_holds_the_clock(self) -> None:
        pauses = [(MONDAY_10 + H, None)]
        later = MONDAY_10 + 1000 * H
        verdict = evaluate(self.policy, "first_response", "P2", MONDAY_10, None, later, pauses)
        assert (verdict.status, verdict.deadline, verdict.used) == ("paused", None, H)

    def test_a_pause_open_when_the_clock_stopped_ended_there(self) -> None:
        pauses = [(MONDAY_10 + H, None)]
        stop = MONDAY_10 + 200 * H
        verdict = evaluate(self.policy, "resolution", "P2", MONDAY_10, stop, stop, pauses)
        assert verdict.status == "met" and verdict.used == H

    def test_untriaged_has_no_target(self) -> None:
        verdict = evaluate(self.policy, "first_response", None, MONDAY_10, None, MONDAY_10)
        assert verdict.status == "no_target"
