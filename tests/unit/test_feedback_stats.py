"""Statistics for people: aggregation, suppression of small groups, percentiles, SLA compliance."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from services.feedback import cli, report, stats
from services.feedback.sla import SlaPolicy
from services.feedback.stats import Period
from services.runtime.businesstime import WorkCalendar

MARCH = Period.month("2025-03")
# Monday 3 March 2025, 15:00 in Jakarta: two working hours left that day.
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
AS_OF = datetime(2025, 4, 30, tzinfo=UTC)


def row(
    *,
    union_id: str = "spn",
    category: str | None = "overtime",
    priority: str | None = "P2",
    response_h: float | None = None,
    resolution_h: float | None = None,
    score: int | None = None,
    fixed: str | None = None,
    reasons: list[str] | None = None,
    day: int = 0,
    reopen_count: int = 0,
    breaches: list[str] | None = None,
    pauses: list[tuple[float, float | None]] | None = None,
) -> dict[str, Any]:
    submitted = START + timedelta(days=day)

    def after(hours: float | None) -> datetime | None:
        return None if hours is None else submitted + timedelta(hours=hours)

    return {
        "union_id": union_id,
        "submitted_at": submitted,
        "category": category,
        "priority": priority,
        "first_response_at": after(response_h),
        "resolved_at": after(resolution_h),
        "outcome": None if resolution_h is None else "resolved",
        "score": score,
        "fixed": fixed,
        "reasons": reasons,
        "reopened_at": None,
        "reopen_count": reopen_count,
        "breaches": breaches or [],
        "pause_starts": [after(a) for a, _ in pauses or []],
        "pause_ends": [after(b) for _, b in pauses or []],
    }


def of(rows: list[dict[str, Any]], union_id: str = "spn") -> dict[str, Any]:
    """A union's statistics as the API writes them."""
    return stats.as_json(stats.union_statistics(rows, union_id, MARCH, AS_OF))


def of_federation(rows: list[dict[str, Any]], members: list[str]) -> dict[str, Any]:
    """Federation KSPI's statistics as the API writes them."""
    return stats.as_json(stats.federation_statistics(rows, "KSPI", members, MARCH, AS_OF))


class TestSuppression:
    def test_four_complaints_are_suppressed_entirely(self) -> None:
        result = of([row(response_h=1) for _ in range(4)])
        assert result["suppressed"] is True
        assert set(result) == {"scope", "period", "as_of", "min_group_size", "suppressed"}

    def test_five_complaints_are_shown(self) -> None:
        result = of([row(response_h=1) for _ in range(5)])
        assert result["suppressed"] is False
        assert result["volumes"]["total"] == 5
        assert result["volumes"]["by_category"] == [{"key": "overtime", "count": 5}]

    def test_other_unions_rows_do_not_count(self) -> None:
        rows = [row() for _ in range(4)] + [row(union_id="garteks") for _ in range(3)]
        assert of(rows)["suppressed"] is True

    def test_small_category_is_hidden_with_a_complement(self) -> None:
        # 5 overtime + 4 wages: hiding only the 4 would leave it as total - 5.
        rows = [row() for _ in range(5)] + [row(category="wages_minimum_wage") for _ in range(4)]
        volumes = of(rows)["volumes"]
        assert volumes["total"] == 9
        assert volumes["by_category"] == [{"key": "other", "suppressed": True}]

    def test_hidden_categories_that_add_up_to_five_hide_nothing_else(self) -> None:
        rows = (
            [row() for _ in range(6)]
            + [row(category="wages_minimum_wage") for _ in range(3)]
            + [row(category="harassment_gbv") for _ in range(2)]
        )
        by_category = of(rows)["volumes"]["by_category"]
        assert by_category == [
            {"key": "overtime", "count": 6},
            {"key": "other", "suppressed": True},
        ]
        assert "harassment_gbv" not in str(by_category)  # hidden groups are not even named

    def test_priorities_keep_their_names_when_hidden(self) -> None:
        rows = [row(priority="P3") for _ in range(7)] + [row(priority="P1") for _ in range(4)]
        rows += [row(priority=None)]
        by_priority = of(rows)["volumes"]["by_priority"]
        assert by_priority == [
            {"key": "P1", "suppressed": True},
            {"key": "P3", "count": 7},
            {"key": "untriaged", "suppressed": True},
        ]

    def test_hidden_keys_complement_with_the_smallest_visible_group(self) -> None:
        assert stats.hidden_keys({"a": 9, "b": 5, "c": 1}) == {"b", "c"}
        assert stats.hidden_keys({"a": 9, "b": 5, "c": 0}) == set()
        assert stats.hidden_keys({"a": 4, "b": 4}) == {"a", "b"}

    def test_percentiles_from_four_values_are_suppressed(self) -> None:
        rows = [row(response_h=h) for h in (1, 2, 3, 4)] + [row() for _ in range(3)]
        result = of(rows)
        assert result["volumes"]["responded"] == 4
        assert result["first_response_hours"]["suppressed"] is True
        assert result["first_response_hours"]["by_priority"]["P2"] == {"suppressed": True}
        assert result["resolution_hours"] == {"suppressed": True}

    def test_federation_leaves_out_a_lone_small_union(self) -> None:
        # garteks' 3 would be the federation's 13 minus spn's 10: they are left out instead.
        rows = [row(breaches=["first_response"]) for _ in range(10)]
        rows += [row(union_id="garteks", reopen_count=1) for _ in range(3)]
        result = of_federation(rows, ["spn", "garteks", "sbsi"])
        assert result["volumes"]["total"] == 10
        assert result["volumes"]["reopens"] == 0
        assert result["excluded_unions"] == 1
        none = {"first_response": 0, "resolution": 0}
        assert result["volumes"]["by_union"] == [
            {"key": "garteks", "suppressed": True},
            {"key": "sbsi", "count": 0, "breaches": none, "reopens": 0},
            {"key": "spn", "count": 10, "breaches": {**none, "first_response": 10}, "reopens": 0},
        ]

    def test_small_unions_that_add_up_to_five_stay_in_pooled(self) -> None:
        rows = [row() for _ in range(10)] + [row(union_id="garteks") for _ in range(3)]
        rows += [row(union_id="kspn") for _ in range(2)]
        result = of_federation(rows, ["spn", "garteks", "kspn"])
        assert result["volumes"]["total"] == 15
        assert result["excluded_unions"] == 0
        hidden = [e["key"] for e in result["volumes"]["by_union"] if e.get("suppressed")]
        assert hidden == ["garteks", "kspn"]

    def test_subtraction_reveals_no_small_union(self) -> None:
        """Federation figure minus the shown unions' figures: 0 or at least MIN_GROUP."""
        rows = [
            row(response_h=2, resolution_h=30, score=4, fixed="fixed", breaches=["resolution"])
            for _ in range(12)
        ]
        rows += [row(union_id="sbsi", response_h=50, score=1, fixed="not_fixed", reasons=["x"],
                     breaches=["first_response"], reopen_count=1) for _ in range(6)]  # fmt: skip
        rows += [row(union_id="garteks", response_h=90, resolution_h=100, score=2, fixed="partly",
                     reasons=["y"], breaches=["first_response"]) for _ in range(4)]  # fmt: skip
        federations = {"spn": "KSPI", "sbsi": "KSPI", "garteks": "KSPI"}
        result = stats.as_json(stats.overview(rows, federations, MARCH, AS_OF))
        [federation] = result["federations"]
        shown = [u for u in result["unions"] if not u["suppressed"]]
        assert [u["scope"]["union_id"] for u in shown] == ["spn", "sbsi"]

        def figures(summary: dict[str, Any]) -> list[float]:
            v, sat, br = summary["volumes"], summary["satisfaction"], summary["sla"]["breaches"]
            rated = sat["count"] * sat["mean_score"]
            return [v["total"], v["resolved"], v["responded"], v["reopens"], sat["count"], rated,
                    br["first_response"], br["resolution"]]  # fmt: skip

        residue = [
            total - sum(parts)
            for total, *parts in zip(figures(federation), *map(figures, shown), strict=True)
        ]
        assert residue == [0] * len(residue)
        assert federation["excluded_unions"] == 1


class TestResponseTimes:
    def test_percentiles_interpolate_linearly(self) -> None:
        assert stats.percentile([2, 4, 10, 20, 30], 0.5) == 10
        assert stats.percentile([30, 2, 20, 10, 4], 0.9) == pytest.approx(26)
        assert stats.percentile([7], 0.9) == 7

    def test_first_response_and_resolution_in_hours(self) -> None:
        rows = [
            row(response_h=h, resolution_h=r)
            for h, r in ((2, 48), (4, 72), (10, 96), (20, 120), (30, 144))
        ]
        result = of(rows)
        assert result["first_response_hours"]["count"] == 5
        assert result["first_response_hours"]["p50"] == 10
        assert result["first_response_hours"]["p90"] == pytest.approx(26)
        assert result["resolution_hours"] == {"count": 5, "p50": 96, "p90": 134.4}
        assert (result["volumes"]["open"], result["volumes"]["resolved"]) == (0, 5)


def policy(**calendar: Any) -> dict[str, SlaPolicy]:
    return {"spn": SlaPolicy(WorkCalendar(**calendar))}


class TestSla:
    """Compliance on the union's business-time calendar (Mon-Fri 08:00-17:00 WIB by default)."""

    @pytest.mark.parametrize(
        ("priority", "day", "hours", "status"),
        [
            # P1 runs around the clock: 24 h.
            ("P1", 0, 24, "met"),
            ("P1", 0, 24.01, "missed"),
            ("P1", 5, 24.01, "missed"),  # a Saturday changes nothing for P1
            # P2, 3 working days = 27 working hours: from Monday 15:00 due Thursday 15:00.
            ("P2", 0, 72, "met"),
            ("P2", 0, 72.01, "missed"),
            # From Friday 15:00 the weekend does not count: due Wednesday 15:00 (120 h).
            ("P2", 4, 100, "met"),
            ("P2", 4, 120.01, "missed"),
            # P3, 7 working days = 63 working hours from Monday 15:00: Wednesday 12 Mar 15:00.
            ("P3", 0, 200, "met"),
            ("P3", 0, 216.01, "missed"),
            # Thursday 27 Mar 15:00, P2: Sat, Sun and Idul Fitri (31 Mar, 1 Apr) do not count.
            ("P2", 24, 168, "met"),
            ("P2", 24, 168.01, "missed"),
            (None, 0, 1, "no_target"),
        ],
    )
    def test_first_response_targets_count_working_time(
        self, priority: str | None, day: int, hours: float, status: str
    ) -> None:
        rows = [row(priority=priority, day=day, response_h=hours) for _ in range(5)]
        sla = of(rows)["sla"]["first_response"]
        if status == "no_target":
            assert sla["by_priority"] == []
            return
        [entry] = sla["by_priority"]
        assert entry["compliance"] == (1.0 if status == "met" else 0.0)

    def test_a_union_on_a_six_day_week(self) -> None:
        # From Friday 15:00 with Saturdays worked: Fri 2 + Sat 9 + Mon 9 + Tue 7 -> Tuesday 15:00.
        rows = [row(priority="P2", day=4, response_h=100) for _ in range(5)]
        six_days = policy(workdays=frozenset(range(6)))
        result = stats.union_statistics(rows, "spn", MARCH, AS_OF, six_days)
        assert result.sla is not None and result.sla.policy is not None
        assert isinstance(result.sla.first_response.overall, stats.Share)
        assert result.sla.first_response.overall.compliance == 0.0
        assert result.sla.policy.workdays == ["mon", "tue", "wed", "thu", "fri", "sat"]

    def test_compliance_per_priority_and_clock(self) -> None:
        rows = [row(priority="P1", response_h=h, resolution_h=100) for h in (2, 4, 10, 20, 30)]
        rows += [row(priority="P2", response_h=h) for h in (10, 30, 50, 80, 100)]
        rows += [row(priority="P3") for _ in range(5)]  # never answered, 8 weeks later
        sla = of(rows)["sla"]
        first = {e["priority"]: e for e in sla["first_response"]["by_priority"]}
        assert first["P1"] == {"priority": "P1", "met": 4, "missed": 1, "pending": 0,
                               "compliance": 0.8}  # fmt: skip
        assert first["P2"]["compliance"] == 0.6  # 72 h from Monday 15:00: 10, 30, 50 met
        assert first["P3"]["compliance"] == 0.0
        assert sla["first_response"]["overall"]["compliance"] == round(7 / 15, 3)
        # Resolution: P1 7 days around the clock, all within 100 h; P2 30 working days from
        # 3 March is 16 April: still open 30 April, so missed; P3 60 working days: pending.
        resolution = {e["priority"]: e for e in sla["resolution"]["by_priority"]}
        assert resolution["P1"]["compliance"] == 1.0
        assert resolution["P2"] == {"priority": "P2", "met": 0, "missed": 5, "pending": 0,
                                    "compliance": 0.0}  # fmt: skip
        assert resolution["P3"] == {"priority": "P3", "suppressed": True}  # 5 pending, 0 decided
        assert sla["policy"]["targets"]["first_response"]["P2"] == {
            "target": "3d", "hours": 27.0, "counted": "working hours"
        }  # fmt: skip

    def test_pending_complaints_are_left_out_of_the_share(self) -> None:
        rows = [row(priority="P1", response_h=1) for _ in range(5)] + [row(priority="P1")]
        as_of = START + timedelta(hours=2)
        sla = stats.as_json(stats.union_statistics(rows, "spn", MARCH, as_of))["sla"]
        assert sla["first_response"]["overall"] == {
            "met": 5, "missed": 0, "pending": 1, "compliance": 1.0
        }  # fmt: skip

    def test_waiting_on_the_worker_does_not_count(self) -> None:
        # P2 resolution, 30 working days from Monday 3 Mar 15:00: Wednesday 16 Apr 15:00 WIB
        # (1,056 h later; Idul Fitri 31 Mar-1 Apr off). Answered at 1 h with a question, the
        # worker replied a week later: 45 working hours paused, so due Thursday 24 Apr 15:00
        # (1,248 h; Good Friday 18 Apr off).
        paused: list[tuple[float, float | None]] = [(1.0, 1.0 + 7 * 24)]
        rows = [row(priority="P2", response_h=1, resolution_h=h, pauses=paused)
                for h in (1100, 1100, 1150, 1200, 1247)]  # fmt: skip
        sla = of(rows)["sla"]
        assert sla["resolution"]["overall"]["compliance"] == 1.0
        unpaused = of([{**r, "pause_starts": [], "pause_ends": []} for r in rows])["sla"]
        assert unpaused["resolution"]["overall"]["compliance"] == 0.0

    def test_breaches_and_reopens_are_counted(self) -> None:
        rows = [row(breaches=["first_response", "resolution"], reopen_count=2)]
        rows += [row(breaches=["resolution"]) for _ in range(2)] + [row() for _ in range(3)]
        result = of(rows)
        assert result["sla"]["breaches"] == {"first_response": 1, "resolution": 3, "total": 4}
        assert (result["volumes"]["reopened"], result["volumes"]["reopens"]) == (1, 2)

    def test_compliance_from_four_decided_is_suppressed(self) -> None:
        rows = [row(priority="P1", response_h=1) for _ in range(4)] + [row(priority=None)]
        assert of(rows)["sla"]["first_response"]["overall"] == {"suppressed": True}


class TestSatisfaction:
    def test_ratings_are_summarised(self) -> None:
        ratings = [
            (5, "fixed", ["Cepat"]),
            (4, "fixed", ["cepat "]),
            (4, "fixed", ["cepat", "ramah"]),
            (3, "partly", ["cepat"]),
            (2, "not_fixed", ["cepat", "masalah muncul lagi"]),
        ]
        rows = [row(score=s, fixed=f, reasons=r) for s, f, r in ratings] + [row()]
        result = of(rows)["satisfaction"]
        assert result["count"] == 5
        assert result["mean_score"] == 3.6
        assert result["fixed"] == {"fixed": 0.6, "partly": 0.2, "not_fixed": 0.2}
        assert result["scores"] == {"1": 0.0, "2": 0.2, "3": 0.2, "4": 0.4, "5": 0.2}
        # Only reasons at least five workers gave are shown.
        assert result["top_reasons"] == [{"reason": "cepat", "count": 5}]

    def test_four_ratings_are_suppressed(self) -> None:
        rows = [row(score=5, fixed="fixed") for _ in range(4)] + [row() for _ in range(4)]
        assert of(rows)["satisfaction"] == {"suppressed": True}


class TestPeriods:
    def test_month_bounds(self) -> None:
        assert Period.month("2024-02") == Period(date(2024, 2, 1), date(2024, 2, 29))
        start, end = Period.month("2025-12").bounds()
        assert (start, end) == (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))

    def test_bad_periods_are_refused(self) -> None:
        with pytest.raises(ValueError):
            Period.month("2025-13")
        with pytest.raises(ValueError):
            Period(date(2025, 3, 2), date(2025, 3, 1))

    @pytest.mark.parametrize(
        ("start", "end"),
        [(date.min, date.max), (date(2020, 1, 1), date.max), (date(1, 1, 1), date(2026, 1, 1))],
    )
    def test_extreme_periods_are_refused_with_a_reason(self, start: date, end: date) -> None:
        """Dates at the calendar's ends and decades-long periods are a 422, not an overflow."""
        with pytest.raises(ValueError, match="period"):
            Period.default(start, end).bounds()

    def test_a_period_ending_in_the_first_days_of_the_calendar_defaults_its_start(self) -> None:
        assert Period.default(None, date(1, 1, 5)) == Period(date.min, date(1, 1, 5))

    def test_weekly_counts_hide_small_weeks(self) -> None:
        rows = [row(day=0) for _ in range(6)] + [row(day=8) for _ in range(2)]
        # 6 and 2 alone: the 2 would be the month's total minus 6, so both hide.
        assert all(w.get("suppressed") for w in stats.weekly_counts(rows, MARCH)[:2])
        rows += [row(day=14) for _ in range(3)]
        weeks = stats.weekly_counts(rows, MARCH)
        assert [w["key"] for w in weeks] == ["1-7", "8-14", "15-21", "22-28", "29-31"]
        assert weeks[0] == {"key": "1-7", "from": "2025-03-01", "to": "2025-03-07", "count": 6}
        assert weeks[1]["suppressed"] is True and "count" not in weeks[1]
        assert weeks[2]["suppressed"] is True
        assert weeks[3]["count"] == 0


class TestReport:
    def test_report_has_headline_and_charts(self) -> None:
        rows = [
            row(response_h=h, resolution_h=48, score=4, fixed="fixed") for h in (2, 4, 10, 20, 30)
        ]
        page = report.render(rows, "spn", MARCH, union_name="SPN <Pusat>", as_of=AS_OF)
        assert "SPN &lt;Pusat&gt;" in page and "Maret 2025" in page
        assert "10,0 jam" in page  # median first response
        assert "4,0 / 5" in page
        assert page.count('<img src="data:image/png;base64,') == 3

    def test_small_month_shows_nothing(self) -> None:
        page = report.render([row() for _ in range(4)], "spn", MARCH, as_of=AS_OF)
        assert "<img" not in page and "Kurang dari 5 aduan" in page


class TestCommandLine:
    """`aduan stats` renders the models as tables; `--json` prints them as the API writes them."""

    @staticmethod
    def shown(result: cli.Collected, monkeypatch: pytest.MonkeyPatch) -> str:
        output = io.StringIO()
        monkeypatch.setattr(cli, "console", Console(file=output, width=200))
        cli.show(result)
        return output.getvalue()

    def test_a_unions_tables_hide_small_groups(self, monkeypatch: pytest.MonkeyPatch) -> None:
        rows = [
            row(priority="P1", response_h=h, score=4, fixed="fixed") for h in (2, 4, 10, 20, 30)
        ]
        rows += [row(category="wages_minimum_wage", priority=None) for _ in range(2)]
        text = self.shown(stats.union_statistics(rows, "spn", MARCH, AS_OF), monkeypatch)
        assert "spn: 2025-03-01 .. 2025-03-31 (UTC)" in text
        assert "wages_minimum_wage" not in text  # merged into "other", unnamed
        assert "24 h 24/7" in text  # P1's first-response target
        assert "<5, hidden" in text
        assert "satisfaction: mean 4.00 of 5 ratings; fixed 100%, partly 0%, not_fixed 0%" in text

    def test_a_federations_members_and_a_suppressed_union(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [row() for _ in range(10)] + [row(union_id="garteks") for _ in range(3)]
        federation = stats.federation_statistics(rows, "KSPI", ["spn", "garteks"], MARCH, AS_OF)
        text = self.shown(federation, monkeypatch)
        assert "KSPI (federation)" in text and "by union" in text
        assert "1 member union(s) with fewer than 5" in text
        garteks = stats.union_statistics(rows, "garteks", MARCH, AS_OF)
        assert "fewer than 5 complaints, suppressed" in self.shown(garteks, monkeypatch)

    def test_the_overview_lists_federations_then_unions(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [row() for _ in range(10)] + [row(union_id="garteks") for _ in range(3)]
        federations = {"spn": "KSPI", "garteks": "KSPI"}
        overview = stats.overview(rows, federations, MARCH, AS_OF)
        lines = [line for line in self.shown(overview, monkeypatch).splitlines() if "│" in line]
        assert [line.split("│")[1].strip() for line in lines] == [
            "KSPI (federation)",
            "spn",
            "garteks",
        ]
        printed = stats.as_json(overview)
        assert list(printed) == ["period", "unions", "federations"]
        assert printed["period"] == {"from": "2025-03-01", "to": "2025-03-31", "timezone": "UTC"}
        assert printed["unions"][1] == {
            "scope": {"kind": "union", "union_id": "garteks"},
            "period": printed["period"],
            "as_of": AS_OF.isoformat(),
            "min_group_size": 5,
            "suppressed": True,
        }
