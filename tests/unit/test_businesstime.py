"""Business time of the shared kit: working hours and days, holidays, time zones, pauses.

Feedback's SLA clocks count its hours; recommend's legal deadlines count its working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.runtime.businesstime import (
    MONDAY_TO_SATURDAY,
    NATIONAL_CALENDAR,
    WorkCalendar,
    deadline,
    elapsed,
    parse_workdays,
)

WIB = ZoneInfo("Asia/Jakarta")  # UTC+7, no DST
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9
H = timedelta(hours=1)
JAKARTA = WorkCalendar()  # Mon-Fri 08:00-17:00 WIB, national holidays


def wib(day: int, hour: float, month: int = 2, year: int = 2025) -> datetime:
    """A Jakarta time in February 2025 (no national holidays); 3 Feb 2025 is a Monday."""
    whole = int(hour)
    return datetime(year, month, day, whole, int((hour - whole) * 60), tzinfo=WIB)


class TestCalendar:
    """A union's calendar: Jakarta office hours by default, national holidays, its own days off."""

    def test_defaults_are_jakarta_office_hours(self) -> None:
        assert JAKARTA.timezone == "Asia/Jakarta"
        assert JAKARTA.workdays == frozenset(range(5))
        assert (JAKARTA.opens, JAKARTA.closes) == (time(8), time(17))
        assert JAKARTA.day_length == 9 * H

    def test_indonesian_national_holidays_come_from_the_holidays_package(self) -> None:
        assert JAKARTA.is_holiday(date(2025, 8, 17))  # Independence Day (a Sunday)
        assert JAKARTA.is_holiday(date(2025, 3, 31))  # Idul Fitri 2025
        assert JAKARTA.is_holiday(date(2025, 5, 1))  # Labour Day
        assert not JAKARTA.is_working_day(date(2025, 3, 31))
        assert JAKARTA.is_working_day(date(2025, 4, 2))  # a cuti bersama, not a national holiday

    def test_extra_days_off_and_holidays_switched_off(self) -> None:
        cuti = WorkCalendar(extra_holidays=frozenset({date(2025, 4, 2)}))
        assert not cuti.is_working_day(date(2025, 4, 2))
        plain = WorkCalendar(national_holidays=False)
        assert plain.is_working_day(date(2025, 3, 31))

    def test_bad_settings_are_refused(self) -> None:
        with pytest.raises(ValueError):
            WorkCalendar(workdays=frozenset())
        with pytest.raises(ValueError):
            WorkCalendar(opens=time(17), closes=time(8))
        with pytest.raises(KeyError):  # ZoneInfoNotFoundError
            WorkCalendar(timezone="Asia/Atlantis")

    def test_workdays_parse(self) -> None:
        assert parse_workdays("mon-fri") == frozenset(range(5))
        assert parse_workdays("Mon-Sat") == MONDAY_TO_SATURDAY
        assert parse_workdays("mon,wed,fri") == frozenset({0, 2, 4})
        with pytest.raises(ValueError):
            parse_workdays("fri-mon")
        with pytest.raises(ValueError):
            parse_workdays("someday")


class TestWorkingDays:
    """Whole working days, as legal deadlines count them: the anchor day never counts."""

    def test_the_national_calendar_is_the_default_one(self) -> None:
        assert WorkCalendar() == NATIONAL_CALENDAR
        assert NATIONAL_CALENDAR.national_holidays and not NATIONAL_CALENDAR.extra_holidays

    def test_weekends_are_skipped(self) -> None:
        friday = date(2025, 1, 10)
        assert JAKARTA.add_working_days(friday, 1) == date(2025, 1, 13)
        assert JAKARTA.add_working_days(friday, 5) == date(2025, 1, 17)
        assert JAKARTA.add_working_days(date(2025, 1, 11), 1) == date(2025, 1, 13)  # a Saturday

    def test_national_holidays_are_skipped(self) -> None:
        # Idul Fitri 2025 is Monday 31 March and Tuesday 1 April: from Friday 28 March the first
        # working day is Wednesday 2 April.
        assert JAKARTA.add_working_days(date(2025, 3, 28), 1) == date(2025, 4, 2)
        plain = WorkCalendar(national_holidays=False)
        assert plain.add_working_days(date(2025, 3, 28), 1) == date(2025, 3, 31)

    def test_extra_days_off_are_skipped(self) -> None:
        cuti = WorkCalendar(extra_holidays=frozenset({date(2025, 4, 2), date(2025, 4, 3)}))
        assert cuti.add_working_days(date(2025, 3, 28), 1) == date(2025, 4, 4)

    def test_a_six_day_union_counts_saturday(self) -> None:
        six = WorkCalendar(workdays=MONDAY_TO_SATURDAY)
        assert six.add_working_days(date(2025, 1, 10), 1) == date(2025, 1, 11)

    def test_negative_counts_backwards(self) -> None:
        assert JAKARTA.add_working_days(date(2025, 1, 13), -1) == date(2025, 1, 10)
        # Back over Idul Fitri: the working day before Wednesday 2 April 2025 is Friday 28 March.
        assert JAKARTA.add_working_days(date(2025, 4, 2), -1) == date(2025, 3, 28)

    def test_zero_days_is_the_anchor(self) -> None:
        assert JAKARTA.add_working_days(date(2025, 1, 11), 0) == date(2025, 1, 11)

    def test_around_the_clock_every_day_counts(self) -> None:
        always = WorkCalendar.continuous()
        assert always.is_working_day(date(2025, 3, 31))  # Idul Fitri
        assert always.add_working_days(date(2025, 3, 28), 3) == date(2025, 3, 31)
        assert always.window(date(2025, 3, 31)) == (wib(31, 0, 3), wib(1, 0, 4))


class TestElapsed:
    """Working time used by a clock: only the union's hours on its working days count."""

    def test_within_one_working_day(self) -> None:
        assert elapsed(JAKARTA, wib(3, 9), wib(3, 12.5)) == 3.5 * H

    def test_time_outside_hours_does_not_count(self) -> None:
        # 06:00 to 20:00 on a Monday: only 08:00-17:00 counts.
        assert elapsed(JAKARTA, wib(3, 6), wib(3, 20)) == 9 * H

    def test_span_across_days(self) -> None:
        # Monday 16:00 -> Tuesday 09:30: 1 h on Monday, 1.5 h on Tuesday.
        assert elapsed(JAKARTA, wib(3, 16), wib(4, 9.5)) == 2.5 * H

    def test_weekend_does_not_count(self) -> None:
        # Friday 7 Feb 16:00 -> Monday 10 Feb 10:00: 1 h + 2 h.
        assert elapsed(JAKARTA, wib(7, 16), wib(10, 10)) == 3 * H

    def test_saturday_counts_for_a_six_day_union(self) -> None:
        six = WorkCalendar(workdays=MONDAY_TO_SATURDAY)
        assert elapsed(six, wib(7, 16), wib(10, 10)) == 3 * H + 9 * H

    def test_national_holiday_does_not_count(self) -> None:
        # Friday 28 Mar 2025 16:00 -> Tuesday 1 Apr 10:00 (Idul Fitri 31 Mar, 1 Apr): 1 h only,
        # since 1 Apr is the second day of Idul Fitri too.
        assert elapsed(JAKARTA, wib(28, 16, 3), wib(1, 10, 4)) == 1 * H
        # ... and Wednesday 2 Apr counts again, unless the union closes for cuti bersama.
        assert elapsed(JAKARTA, wib(28, 16, 3), wib(2, 10, 4)) == 3 * H
        cuti = WorkCalendar(extra_holidays=frozenset({date(2025, 4, 2)}))
        assert elapsed(cuti, wib(28, 16, 3), wib(2, 10, 4)) == 1 * H

    def test_instants_in_other_zones_are_the_same_instants(self) -> None:
        start = wib(3, 9).astimezone(UTC)  # 02:00 UTC
        end = wib(3, 12).astimezone(WIT)  # 14:00 WIT
        assert elapsed(JAKARTA, start, end) == 3 * H

    def test_the_unions_time_zone_sets_its_hours(self) -> None:
        # 08:00-17:00 in Jayapura (UTC+9) is 06:00-15:00 in Jakarta.
        papua = WorkCalendar(timezone="Asia/Jayapura")
        assert elapsed(papua, wib(3, 6), wib(3, 8)) == 2 * H
        assert elapsed(papua, wib(3, 15), wib(3, 17)) == timedelta()

    def test_continuous_counts_every_instant(self) -> None:
        always = WorkCalendar.continuous()
        assert elapsed(always, wib(7, 16), wib(10, 10)) == 66 * H

    def test_end_before_start_is_zero(self) -> None:
        assert elapsed(JAKARTA, wib(4, 10), wib(3, 10)) == timedelta()

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            elapsed(JAKARTA, datetime(2025, 2, 3, 9), wib(3, 10))


class TestPauses:
    """Time the union waits on the worker does not count; an open pause stops the clock."""

    def test_paused_time_does_not_count(self) -> None:
        pauses = [(wib(3, 10), wib(3, 12))]
        assert elapsed(JAKARTA, wib(3, 9), wib(3, 15), pauses) == 4 * H

    def test_pause_across_a_night(self) -> None:
        # Paused Monday 15:00 to Tuesday 11:00: Monday 09-15 and Tuesday 11-12 count.
        pauses = [(wib(3, 15), wib(4, 11))]
        assert elapsed(JAKARTA, wib(3, 9), wib(4, 12), pauses) == 7 * H

    def test_open_pause_stops_the_clock(self) -> None:
        pauses = [(wib(3, 10), None)]
        assert elapsed(JAKARTA, wib(3, 9), wib(20, 12), pauses) == 1 * H
        assert deadline(JAKARTA, wib(3, 9), 2 * H, pauses) is None
        # A deadline reached before the open pause began still stands.
        assert deadline(JAKARTA, wib(3, 9), 0.5 * H, pauses) == wib(3, 9.5)

    def test_overlapping_pauses_count_once(self) -> None:
        pauses = [(wib(3, 10), wib(3, 12)), (wib(3, 11), wib(3, 13))]
        assert elapsed(JAKARTA, wib(3, 9), wib(3, 15), pauses) == 3 * H

    def test_pauses_outside_working_hours_change_nothing(self) -> None:
        pauses = [(wib(3, 18), wib(4, 7))]
        assert elapsed(JAKARTA, wib(3, 16), wib(4, 9), pauses) == 2 * H

    def test_pause_moves_the_deadline(self) -> None:
        # 3 working hours from Monday 15:00 is Tuesday 09:00; a 1 h pause on Monday makes it 10:00.
        assert deadline(JAKARTA, wib(3, 15), 3 * H) == wib(4, 9)
        assert deadline(JAKARTA, wib(3, 15), 3 * H, [(wib(3, 15.5), wib(3, 16.5))]) == wib(4, 10)


class TestDeadline:
    """When a clock is due: its target of working time after the start."""

    def test_three_working_days_from_monday_morning(self) -> None:
        assert deadline(JAKARTA, wib(3, 10), 27 * H) == wib(6, 10)

    def test_submitted_at_night_starts_counting_at_opening(self) -> None:
        assert deadline(JAKARTA, wib(3, 22), 2 * H) == wib(4, 10)

    def test_submitted_before_opening(self) -> None:
        assert deadline(JAKARTA, wib(3, 5), 2 * H) == wib(3, 10)

    def test_due_at_closing_time_not_next_morning(self) -> None:
        assert deadline(JAKARTA, wib(3, 16), 1 * H) == wib(3, 17)

    def test_over_the_weekend(self) -> None:
        # Friday 16:00 + 3 h: 1 h Friday, 2 h Monday.
        assert deadline(JAKARTA, wib(7, 16), 3 * H) == wib(10, 10)

    def test_saturday_submission_of_a_six_day_union(self) -> None:
        six = WorkCalendar(workdays=MONDAY_TO_SATURDAY)
        assert deadline(six, wib(8, 9), 9 * H) == wib(10, 9)

    def test_over_lebaran(self) -> None:
        # Thursday 27 Mar 2025 16:00 + 10 h: 1 h Thu, 9 h Fri 28 Mar, due Fri 17:00; 11 h cross
        # Sat, Sun, Idul Fitri Mon 31 Mar and Tue 1 Apr: due Wed 2 Apr 09:00.
        assert deadline(JAKARTA, wib(27, 16, 3), 10 * H) == wib(28, 17, 3)
        assert deadline(JAKARTA, wib(27, 16, 3), 11 * H) == wib(2, 9, 4)

    def test_continuous_deadline_ignores_weekends_and_holidays(self) -> None:
        always = WorkCalendar.continuous()
        assert deadline(always, wib(28, 16, 3), 24 * H) == wib(29, 16, 3)

    def test_deadline_and_elapsed_agree(self) -> None:
        start = wib(6, 13)
        for hours in (0.25, 4, 9, 27, 63, 270):
            due = deadline(JAKARTA, start, hours * H)
            assert due is not None
            assert elapsed(JAKARTA, start, due) == hours * H

    def test_zero_target_is_due_at_once(self) -> None:
        assert deadline(JAKARTA, wib(3, 22), timedelta()) == wib(3, 22)

    def test_across_a_dst_change(self) -> None:
        # Europe/Berlin moves to summer time on Sunday 30 Mar 2025: Friday 16:00 + 2 working
        # hours is Monday 09:00 local, whatever the UTC offset did in between.
        berlin = WorkCalendar(timezone="Europe/Berlin", national_holidays=False)
        zone = ZoneInfo("Europe/Berlin")
        start = datetime(2025, 3, 28, 16, tzinfo=zone)
        assert deadline(berlin, start, 2 * H) == datetime(2025, 3, 31, 9, tzinfo=zone)
