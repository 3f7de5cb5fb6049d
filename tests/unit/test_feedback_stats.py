"""Statistics for people: aggregation, suppression of small groups, percentiles, SLA compliance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.feedback import report, stats
from services.feedback.stats import Period

MARCH = Period.month("2025-03")
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
    }


def of(rows: list[dict[str, Any]], union_id: str = "spn") -> dict[str, Any]:
    return stats.union_stats(rows, union_id, MARCH, AS_OF)


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

    def test_federation_hides_its_small_unions(self) -> None:
        rows = [row() for _ in range(10)] + [row(union_id="garteks") for _ in range(3)]
        result = stats.federation_stats(rows, "KSPI", ["spn", "garteks", "sbsi"], MARCH, AS_OF)
        assert result["volumes"]["total"] == 13
        assert result["volumes"]["by_union"] == [
            {"key": "garteks", "suppressed": True},
            {"key": "sbsi", "count": 0},
            {"key": "spn", "suppressed": True},
        ]


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


class TestSla:
    @pytest.mark.parametrize(
        ("priority", "hours", "status"),
        [
            ("P1", 24, "met"),
            ("P1", 24.01, "missed"),
            ("P2", 72, "met"),
            ("P2", 73, "missed"),
            ("P3", 168, "met"),
            ("P3", 169, "missed"),
            (None, 1, "no_target"),
        ],
    )
    def test_targets_by_priority(self, priority: str | None, hours: float, status: str) -> None:
        answered = START + timedelta(hours=hours)
        assert stats.first_response_sla_status(priority, START, answered, AS_OF) == status

    def test_unanswered_is_pending_until_the_target_passes(self) -> None:
        status = stats.first_response_sla_status
        assert status("P1", START, None, START + timedelta(hours=23)) == "pending"
        assert status("P1", START, None, START + timedelta(hours=25)) == "missed"

    def test_compliance_per_priority(self) -> None:
        rows = [row(priority="P1", response_h=h) for h in (2, 4, 10, 20, 30)]
        rows += [row(priority="P2", response_h=h) for h in (10, 30, 50, 80, 100)]
        rows += [row(priority="P3") for _ in range(5)]  # never answered, 8 weeks later
        sla = of(rows)["sla"]
        by_priority = {e["priority"]: e for e in sla["by_priority"]}
        assert by_priority["P1"] == {
            "priority": "P1",
            "met": 4,
            "missed": 1,
            "pending": 0,
            "compliance": 0.8,
        }
        assert by_priority["P2"]["compliance"] == 0.6
        assert by_priority["P3"]["compliance"] == 0.0
        assert sla["overall"]["compliance"] == round(7 / 15, 3)
        assert sla["targets_hours"] == {"P1": 24, "P2": 72, "P3": 168}

    def test_pending_complaints_are_left_out_of_the_share(self) -> None:
        rows = [row(priority="P1", response_h=1) for _ in range(5)] + [row(priority="P1")]
        as_of = START + timedelta(hours=2)
        sla = stats.union_stats(rows, "spn", MARCH, as_of)["sla"]
        assert sla["overall"] == {"met": 5, "missed": 0, "pending": 1, "compliance": 1.0}

    def test_compliance_from_four_decided_is_suppressed(self) -> None:
        rows = [row(priority="P1", response_h=1) for _ in range(4)] + [row(priority=None)]
        assert of(rows)["sla"]["overall"] == {"suppressed": True}


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
