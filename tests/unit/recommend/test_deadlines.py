"""Legal deadlines: working-day arithmetic and the DOMAIN §3 rules."""

from __future__ import annotations

from datetime import date

from services.recommend.deadlines import (
    DeadlineRule,
    KeyDates,
    add_months,
    add_working_days,
    compute_deadline,
    is_working_day,
)


class TestWorkingDays:
    """Monday-Friday, minus a pluggable holiday calendar; the anchor day does not count."""

    def test_weekend_is_skipped(self) -> None:
        friday = date(2025, 1, 10)
        assert add_working_days(friday, 1) == date(2025, 1, 13)
        assert add_working_days(friday, 5) == date(2025, 1, 17)

    def test_holidays_are_skipped(self) -> None:
        holidays = {date(2025, 1, 13)}
        assert add_working_days(date(2025, 1, 10), 1, holidays) == date(2025, 1, 14)
        assert not is_working_day(date(2025, 1, 13), holidays)

    def test_anchor_on_a_weekend(self) -> None:
        assert add_working_days(date(2025, 1, 11), 1) == date(2025, 1, 13)

    def test_backwards(self) -> None:
        assert add_working_days(date(2025, 1, 13), -1) == date(2025, 1, 10)

    def test_thirty_working_days_is_six_weeks(self) -> None:
        assert add_working_days(date(2025, 2, 3), 30) == date(2025, 3, 17)

    def test_months_clamp_to_month_end(self) -> None:
        assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
        assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


class TestRules:
    """Each rule gives a date from its anchor, or its text when the anchor is unknown."""

    def test_thr_due_seven_days_before_holiday(self) -> None:
        deadline = compute_deadline(DeadlineRule.THR_DUE, KeyDates(holiday=date(2025, 3, 31)))
        assert deadline.due == date(2025, 3, 24)
        assert "2025-03-24" in deadline.describe()

    def test_dismissal_refusal_seven_working_days(self) -> None:
        dates = KeyDates(dismissal_notice=date(2025, 1, 10))
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates).due == date(2025, 1, 21)
        with_holiday = compute_deadline(
            DeadlineRule.DISMISSAL_REFUSAL, dates, holidays={date(2025, 1, 16)}
        )
        assert with_holiday.due == date(2025, 1, 22)

    def test_bipartite_thirty_working_days(self) -> None:
        dates = KeyDates(bipartite_start=date(2025, 2, 3))
        assert compute_deadline(DeadlineRule.BIPARTITE, dates).due == date(2025, 3, 17)

    def test_phk_lawsuit_one_year_after_failed_mediation(self) -> None:
        dates = KeyDates(mediation_failed=date(2025, 10, 1))
        assert compute_deadline(DeadlineRule.PHK_LAWSUIT, dates).due == date(2026, 10, 1)

    def test_accident_report_two_days(self) -> None:
        dates = KeyDates(accident=date(2025, 5, 2))
        assert compute_deadline(DeadlineRule.ACCIDENT_REPORT, dates).due == date(2025, 5, 4)

    def test_jkp_claim_six_months(self) -> None:
        dates = KeyDates(dismissal=date(2025, 3, 15))
        assert compute_deadline(DeadlineRule.JKP_CLAIM, dates).due == date(2025, 9, 15)

    def test_strike_notice_seven_working_days_before(self) -> None:
        dates = KeyDates(strike=date(2025, 6, 16))  # a Monday
        assert compute_deadline(DeadlineRule.STRIKE_NOTICE, dates).due == date(2025, 6, 5)

    def test_unknown_date_states_rule_in_words(self) -> None:
        for rule in DeadlineRule:
            deadline = compute_deadline(rule, None)
            assert deadline.due is None
            assert deadline.describe() == deadline.text
            assert len(deadline.text) > 20
