"""Legal deadlines (docs/domain.md §5), as the shipped playbook states them, counted in working
days of the shared WorkCalendar."""

from __future__ import annotations

from datetime import date

from services.recommend.deadlines import DeadlineRule, KeyDates, add_months
from services.recommend.playbook import DEFAULT_PLAYBOOK
from services.runtime.businesstime import WorkCalendar

# Mon-Fri, no holidays at all: what the deadlines counted before they used the national calendar.
NO_HOLIDAYS = WorkCalendar(national_holidays=False)
compute_deadline = DEFAULT_PLAYBOOK.deadline


class TestCalendarMonths:
    """Month-based deadlines (PHK lawsuit, JKP claim) count calendar months, not working days."""

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
        # Notice on Friday 10 Jan 2025: the weekend and the notice day itself do not count.
        dates = KeyDates(dismissal_notice=date(2025, 1, 10))
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates).due == date(2025, 1, 21)

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
        # Counting back from Monday 16 Jun 2025 skips Idul Adha, Friday 6 June.
        dates = KeyDates(strike=date(2025, 6, 16))
        assert compute_deadline(DeadlineRule.STRIKE_NOTICE, dates).due == date(2025, 6, 4)
        assert compute_deadline(DeadlineRule.STRIKE_NOTICE, dates, NO_HOLIDAYS).due == date(
            2025, 6, 5
        )

    def test_unknown_date_states_rule_in_words(self) -> None:
        for rule in DeadlineRule:
            deadline = compute_deadline(rule, None)
            assert deadline.due is None
            assert deadline.describe() == deadline.text
            assert len(deadline.text) > 20


class TestHolidays:
    """Working days skip Indonesian public holidays by default, and a union's own days off."""

    def test_dismissal_refusal_skips_independence_day(self) -> None:
        # Notice on Friday 7 Aug 2026; Monday 17 Aug 2026 is Independence Day, so the seventh
        # working day is Wednesday 19 Aug, not Tuesday 18 Aug.
        dates = KeyDates(dismissal_notice=date(2026, 8, 7))
        deadline = compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates)
        assert deadline.due == date(2026, 8, 19)
        assert "Batas: 2026-08-19." in deadline.describe()
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates, NO_HOLIDAYS).due == date(
            2026, 8, 18
        )

    def test_dismissal_refusal_skips_idul_fitri(self) -> None:
        # Notice on Wednesday 26 Mar 2025; Idul Fitri is Monday 31 Mar and Tuesday 1 Apr 2025.
        dates = KeyDates(dismissal_notice=date(2025, 3, 26))
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates).due == date(2025, 4, 8)
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates, NO_HOLIDAYS).due == date(
            2025, 4, 4
        )

    def test_two_holidays_in_one_window(self) -> None:
        # Notice on Friday 14 Aug 2026: 17 Aug (Independence Day) and 25 Aug (the Prophet's
        # Birthday) both fall inside the seven working days.
        dates = KeyDates(dismissal_notice=date(2026, 8, 14))
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates).due == date(2026, 8, 27)

    def test_unions_extra_days_off_are_honoured(self) -> None:
        # The union closes 2-7 April 2025 after Lebaran (cuti bersama): those days do not count
        # either, on top of the national holidays.
        lebaran_closure = frozenset(date(2025, 4, d) for d in (2, 3, 4, 7))
        union = WorkCalendar(extra_holidays=lebaran_closure)
        dates = KeyDates(dismissal_notice=date(2025, 3, 26))
        assert compute_deadline(DeadlineRule.DISMISSAL_REFUSAL, dates, union).due == date(
            2025, 4, 14
        )

    def test_bipartite_thirty_working_days_over_lebaran(self) -> None:
        # From Monday 17 Mar 2025, 30 working days skip Idul Fitri (31 Mar, 1 Apr), Good Friday
        # (18 Apr) and Labour Day (1 May).
        dates = KeyDates(bipartite_start=date(2025, 3, 17))
        assert compute_deadline(DeadlineRule.BIPARTITE, dates, NO_HOLIDAYS).due == date(2025, 4, 28)
        assert compute_deadline(DeadlineRule.BIPARTITE, dates).due == date(2025, 5, 2)

    def test_calendar_day_rules_ignore_holidays(self) -> None:
        # THR is due 7 calendar days before the holiday, whatever falls in between.
        dates = KeyDates(holiday=date(2025, 3, 31))
        assert compute_deadline(DeadlineRule.THR_DUE, dates).due == date(2025, 3, 24)
        assert compute_deadline(DeadlineRule.THR_DUE, dates, NO_HOLIDAYS).due == date(2025, 3, 24)
