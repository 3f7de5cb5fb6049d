"""Business time, shared by every service: pure functions, no database, no wall clock.

A `WorkCalendar` says which days and instants count: a union's working hours on its working days,
in its time zone, minus Indonesian national holidays (PyPI `holidays`, offline) and the union's
own extra days off (cuti bersama, a factory's Lebaran closure). `WorkCalendar.continuous()`
counts every instant; P1 clocks run on it by default, because an emergency must not wait for
Monday. Feedback's SLA clocks count hours of it (`elapsed`, `deadline`); recommend's legal
deadlines count whole days of it (`WorkCalendar.add_working_days`), on `NATIONAL_CALENDAR`
unless a calendar is given.

Every instant in and out is timezone-aware; the arithmetic is done on UTC instants, so a clock
that spans days, weekends, holidays or (in zones that have it) a DST change needs no special case.
Pauses (the union waits on the worker) are half-open intervals `[start, end)`; `end=None` is a
pause still running, which stops the clock until it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_TIMEZONE = "Asia/Jakarta"
MONDAY_TO_FRIDAY = frozenset(range(5))
MONDAY_TO_SATURDAY = frozenset(range(6))
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a deadline is searched: a 60-working-day target needs about 13 weeks; a
# calendar that yields no working time in ten years is a configuration error, not a deadline.
SEARCH_DAYS = 3660

Pause = tuple[datetime, datetime | None]
Interval = tuple[datetime, datetime]


@cache
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year))


@dataclass(frozen=True)
class WorkCalendar:
    """When a union's clock runs. Defaults: Asia/Jakarta, Monday to Friday, 08:00-17:00."""

    timezone: str = DEFAULT_TIMEZONE
    workdays: frozenset[int] = MONDAY_TO_FRIDAY  # Monday = 0, as date.weekday()
    opens: time = time(8)
    closes: time = time(17)
    national_holidays: bool = True
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    around_the_clock: bool = False

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for a bad name
        if self.around_the_clock:
            return
        if not self.workdays or not self.workdays <= set(range(7)):
            raise ValueError("working days must be a non-empty subset of Monday..Sunday (0..6)")
        if not self.opens < self.closes:
            raise ValueError(f"working hours must open before they close ({self.opens})")

    @classmethod
    def continuous(cls, timezone: str = DEFAULT_TIMEZONE) -> WorkCalendar:
        """Every instant counts: weekends, nights and holidays included."""
        return cls(timezone=timezone, around_the_clock=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_length(self) -> timedelta:
        """What one day of this calendar is worth: 24 h around the clock, else its hours."""
        if self.around_the_clock:
            return timedelta(days=1)
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        return self.national_holidays and day in _national_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        """A working day and not a national or extra holiday; every day around the clock."""
        if self.around_the_clock:
            return True
        return day.weekday() in self.workdays and not self.is_holiday(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (before it when negative).

        The anchor day itself does not count, working day or not: a notice received on Friday
        has its first working day on Monday (the next one that is no holiday), the usual reading
        of "within N working days of". Zero days is `start` itself.
        """
        step = timedelta(days=1 if days >= 0 else -1)
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def window(self, day: date) -> Interval | None:
        """The working hours of a local `day` as UTC instants, or None on a day off."""
        if not self.is_working_day(day):
            return None
        zone = self.zone
        if self.around_the_clock:
            return (
                datetime.combine(day, time(), zone).astimezone(UTC),
                datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC),
            )
        return (
            datetime.combine(day, self.opens, zone).astimezone(UTC),
            datetime.combine(day, self.closes, zone).astimezone(UTC),
        )


# Monday-Friday in Asia/Jakarta minus the national holidays: legal deadlines count on it.
NATIONAL_CALENDAR = WorkCalendar()


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: clocks need timezone-aware instants")
    return at.astimezone(UTC)


def working_intervals(calendar: WorkCalendar, start: datetime) -> Iterator[Interval]:
    """Working time from `start` on, in order, as UTC intervals (unbounded for continuous)."""
    start = _aware(start)
    if calendar.around_the_clock:
        yield start, datetime.max.replace(tzinfo=UTC)
        return
    day = start.astimezone(calendar.zone).date()
    for _ in range(SEARCH_DAYS):
        window = calendar.window(day)
        if window is not None and window[1] > start:
            yield max(window[0], start), window[1]
        day += timedelta(days=1)


def _minus_pauses(intervals: Iterable[Interval], pauses: Sequence[Pause]) -> Iterator[Interval]:
    """`intervals` with the paused time cut out; an open pause ends the stream."""
    ordered = sorted((_aware(s), None if e is None else _aware(e)) for s, e in pauses)
    for lo, hi in intervals:
        pieces = [(lo, hi)]
        for p_start, p_end in ordered:
            cut: list[Interval] = []
            for a, b in pieces:
                if (p_end is not None and p_end <= a) or p_start >= b:
                    cut.append((a, b))
                    continue
                if a < p_start:
                    cut.append((a, p_start))
                if p_end is not None and p_end < b:
                    cut.append((p_end, b))
            pieces = cut
        yield from pieces
        if any(p_end is None and p_start < hi for p_start, p_end in ordered):
            return  # the clock is stopped from the open pause on


def elapsed(
    calendar: WorkCalendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Working time between `start` and `end` that was not paused (zero if end <= start)."""
    start, end = _aware(start), _aware(end)
    total = timedelta()
    if end <= start:
        return total
    for lo, hi in _minus_pauses(_until(working_intervals(calendar, start), end), pauses):
        total += min(hi, end) - lo
    return total


def _until(intervals: Iterable[Interval], end: datetime) -> Iterator[Interval]:
    for lo, hi in intervals:
        if lo >= end:
            return
        yield lo, min(hi, end)


def deadline(
    calendar: WorkCalendar, start: datetime, target: timedelta, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """The instant at which `target` of working, unpaused time has run since `start`.

    None while a pause that began before then is still open: the clock is stopped, so there is
    no deadline yet. A target that is reached exactly when the working day closes is due at the
    close (17:00), not at the next opening.
    """
    remaining = target
    if remaining <= timedelta():
        return _aware(start)
    for lo, hi in _minus_pauses(working_intervals(calendar, start), pauses):
        if hi - lo >= remaining:
            return lo + remaining
        remaining -= hi - lo
    return None


def parse_workdays(text: str) -> frozenset[int]:
    """`mon-fri`, `mon-sat`, `mon,wed,fri` -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            lo = WEEKDAY_NAMES.index(first[:3])
            hi = WEEKDAY_NAMES.index(last[:3]) if last else lo
        except ValueError as exc:
            raise ValueError(f"unknown day in {text!r}; use mon..sun, e.g. mon-fri") from exc
        if hi < lo:
            raise ValueError(f"day range {part!r} runs backwards")
        days.update(range(lo, hi + 1))
    return frozenset(days)


def format_workdays(days: Iterable[int]) -> list[str]:
    return [WEEKDAY_NAMES[d] for d in sorted(days)]
