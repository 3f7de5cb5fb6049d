"""SLA policy: each union's targets and calendar, and the verdict on one complaint's clock.

This is the one place that defines the SLA clocks (pure, no database); the statistics, the
breach job, the metrics and the report all ask `evaluate`.

Two clocks per complaint:
- `first_response`: from submission to the first human response of an officer.
- `resolution`: from submission (or from the latest reopening) to the resolution.

Targets are counted in days of the clock's calendar: a working day of the union's calendar
(08:00-17:00 by default, so "3 days" is 27 working hours), or 24 hours for priorities the union
runs around the clock (P1 by default: a P1 is a fatality, violence or immediate danger). A union
may also give a target in hours of its calendar ("40h").

Default targets:
- First human response (docs/domain.md §6): P1 24 hours, P2 3 working days,
  P3 7 working days.
- Resolution: P1 7 days around the clock (the immediate danger must be dealt with, the accident
  reported within 2x24 h and the case referred within the week); P2 30 working days and P3 60
  working days. 30 working days is the legal limit of bipartite negotiation (UU 2/2004 Ps 3), the
  first step of nearly every dispute, so a P2 case still open after it is late by law's own
  measure; P3 cases (information requests, slower collective issues) get twice that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import structlog
from pydantic import BaseModel, Field

from services.runtime.businesstime import (
    Pause,
    WorkCalendar,
    deadline,
    elapsed,
    format_workdays,
    parse_workdays,
)

Clock = Literal["first_response", "resolution"]
CLOCKS: tuple[Clock, ...] = ("first_response", "resolution")
PRIORITIES = ("P1", "P2", "P3")
log = structlog.get_logger(__name__)

Status = Literal["met", "breached", "pending", "paused", "no_target"]

_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dh])\s*$")
# The longest target a union may set: a year of its calendar. Beyond it a deadline means nothing
# to a worker, and a target of 10^14 days overflowed every date computed from it, so the union's
# clocks, statistics and the breach scan of every union failed.
MAX_TARGET_DAYS = 366


@dataclass(frozen=True)
class Target:
    """A target in days of the clock's calendar, or in hours of it."""

    amount: float
    unit: Literal["d", "h"]

    @classmethod
    def parse(cls, text: str) -> Target:
        """`3d` (days of the clock's calendar) or `27h` (hours of it)."""
        match = _TARGET.match(str(text))
        if match is None or float(match.group(1)) <= 0:
            raise ValueError(f"a target looks like 3d or 27h, not {text!r}")
        unit: Literal["d", "h"] = "d" if match.group(2) == "d" else "h"
        amount = float(match.group(1))
        if amount > (MAX_TARGET_DAYS if unit == "d" else MAX_TARGET_DAYS * 24):
            raise ValueError(f"a target is at most {MAX_TARGET_DAYS}d (or {MAX_TARGET_DAYS * 24}h)")
        return cls(amount, unit)

    def duration(self, calendar: WorkCalendar) -> timedelta:
        if self.unit == "h":
            return timedelta(hours=self.amount)
        return calendar.day_length * self.amount

    def __str__(self) -> str:
        return f"{self.amount:g}{self.unit}"


DEFAULT_TARGETS: dict[tuple[Clock, str], Target] = {
    ("first_response", "P1"): Target(1, "d"),
    ("first_response", "P2"): Target(3, "d"),
    ("first_response", "P3"): Target(7, "d"),
    ("resolution", "P1"): Target(7, "d"),
    ("resolution", "P2"): Target(30, "d"),
    ("resolution", "P3"): Target(60, "d"),
}
DEFAULT_AROUND_THE_CLOCK = frozenset({"P1"})


@dataclass(frozen=True)
class SlaPolicy:
    """One union's calendar and targets; a union that set nothing gets the defaults."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    around_the_clock: frozenset[str] = DEFAULT_AROUND_THE_CLOCK
    targets: Mapping[tuple[Clock, str], Target] = field(
        default_factory=lambda: dict(DEFAULT_TARGETS)
    )

    def calendar_for(self, priority: str) -> WorkCalendar:
        if priority in self.around_the_clock:
            return WorkCalendar.continuous(self.calendar.timezone)
        return self.calendar

    def target(self, clock: Clock, priority: str) -> timedelta | None:
        target = self.targets.get((clock, priority))
        return None if target is None else target.duration(self.calendar_for(priority))

    def description(self) -> PolicyDescription:
        """The effective settings (API, CLI, report)."""
        cal = self.calendar

        def targets(clock: Clock) -> dict[str, TargetDescription]:
            return {
                p: TargetDescription(
                    target=str(self.targets[(clock, p)]),
                    hours=round(target / timedelta(hours=1), 2),
                    counted="around the clock" if p in self.around_the_clock else "working hours",
                )
                for p in PRIORITIES
                if (target := self.target(clock, p)) is not None
            }

        return PolicyDescription(
            timezone=cal.timezone,
            workdays=format_workdays(cal.workdays),
            hours=f"{cal.opens:%H:%M}-{cal.closes:%H:%M}",
            national_holidays=cal.national_holidays,
            extra_holidays=sorted(cal.extra_holidays),
            around_the_clock=sorted(self.around_the_clock),
            targets=ClockTargets(
                first_response=targets("first_response"), resolution=targets("resolution")
            ),
        )

    def describe(self) -> dict[str, Any]:
        """The effective settings, JSON-ready: `description()` as the API writes it."""
        return self.description().model_dump(mode="json")


class TargetDescription(BaseModel):
    target: str = Field(
        description="as set: days (3d) or hours (40h) of the calendar the clock runs on",
        examples=["3d"],
    )
    hours: float = Field(description="the target in hours of that calendar", examples=[27.0])
    counted: Literal["around the clock", "working hours"] = Field(
        description="the calendar the clock runs on: every hour, or the union's working hours"
    )


class ClockTargets(BaseModel):
    """Per clock, the target of each priority (P1, P2, P3) that has one."""

    first_response: dict[str, TargetDescription] = Field(
        description="from submission to the first response of an officer, by priority"
    )
    resolution: dict[str, TargetDescription] = Field(
        description="from submission (or the latest reopening) to the resolution, by priority"
    )


class PolicyDescription(BaseModel):
    """A union's SLA calendar and targets in force (the defaults where it set nothing)."""

    timezone: str = Field(examples=["Asia/Jakarta"])
    workdays: list[str] = Field(examples=[["mon", "tue", "wed", "thu", "fri"]])
    hours: str = Field(description="working hours, local time", examples=["08:00-17:00"])
    national_holidays: bool = Field(description="Indonesian national holidays are days off")
    extra_holidays: list[date] = Field(description="the union's own days off (cuti bersama)")
    around_the_clock: list[str] = Field(
        description="priorities whose clocks count every hour, not working hours", examples=[["P1"]]
    )
    targets: ClockTargets


@dataclass(frozen=True)
class Verdict:
    status: Status
    target: timedelta | None = None
    deadline: datetime | None = None
    used: timedelta | None = None  # working time the clock ran (until it stopped or `now`)


def evaluate(
    policy: SlaPolicy,
    clock: Clock,
    priority: str | None,
    started_at: datetime,
    stopped_at: datetime | None,
    now: datetime,
    pauses: Sequence[Pause] = (),
) -> Verdict:
    """Whether one clock met its target, was breached, or is still running.

    A stopped clock is `met` when it stopped by its deadline, `breached` after. A running clock
    is `breached` once `now` is past the deadline, `paused` while an open pause holds it, and
    `pending` otherwise. A complaint without a priority (not triaged yet) has `no_target`.
    """
    target = policy.target(clock, priority) if priority else None
    if target is None:
        return Verdict("no_target")
    calendar = policy.calendar_for(priority or "")
    if stopped_at is not None:
        # A pause left open when the clock stopped ended there.
        pauses = [(s, stopped_at if e is None else e) for s, e in pauses]
    due = deadline(calendar, started_at, target, pauses)
    end = stopped_at or now
    used = elapsed(calendar, started_at, end, pauses)
    if stopped_at is not None:
        status: Status = "met" if due is None or stopped_at <= due else "breached"
    elif due is not None and now > due:
        status = "breached"
    elif due is None:
        status = "paused"
    else:
        status = "pending"
    return Verdict(status, target, due, used)


# -- settings as stored (sla_settings row) and as given by officers --------------------------------


def policy_from_row(row: Mapping[str, Any] | None) -> SlaPolicy:
    """A policy from a `sla_settings` row (None: the defaults)."""
    if row is None:
        return SlaPolicy()
    calendar = WorkCalendar(
        timezone=row["timezone"],
        workdays=frozenset(row["workdays"]),
        opens=row["opens"],
        closes=row["closes"],
        national_holidays=row["national_holidays"],
        extra_holidays=frozenset(row["extra_holidays"] or ()),
    )
    targets = dict(DEFAULT_TARGETS)
    for clock, by_priority in (row["targets"] or {}).items():
        for priority, text in by_priority.items():
            try:
                targets[(clock, priority)] = Target.parse(text)
            except ValueError:
                # Stored before today's bounds: the default holds until the union sets a new
                # one, so its clocks, statistics and settings keep working meanwhile.
                log.error("stored_sla_target_refused", clock=clock, priority=priority)
    return SlaPolicy(calendar, frozenset(row["around_the_clock"]), targets)


def policy_to_row(policy: SlaPolicy) -> dict[str, Any]:
    """The columns of `sla_settings` for a policy (targets only where they differ)."""
    cal = policy.calendar
    overrides: dict[str, dict[str, str]] = {}
    for (clock, priority), target in policy.targets.items():
        if DEFAULT_TARGETS.get((clock, priority)) != target:
            overrides.setdefault(clock, {})[priority] = str(target)
    return {
        "timezone": cal.timezone,
        "workdays": sorted(cal.workdays),
        "opens": cal.opens,
        "closes": cal.closes,
        "national_holidays": cal.national_holidays,
        "extra_holidays": sorted(cal.extra_holidays),
        "around_the_clock": sorted(policy.around_the_clock),
        "targets": overrides,
    }


def parse_hours(text: str) -> tuple[time, time]:
    """`08:00-17:00` -> (08:00, 17:00)."""
    try:
        first, last = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"working hours look like 08:00-17:00, not {text!r}") from exc
    return first, last


def changed(
    policy: SlaPolicy,
    *,
    timezone: str | None = None,
    workdays: str | None = None,
    hours: str | None = None,
    national_holidays: bool | None = None,
    extra_holidays: Sequence[date] | None = None,
    around_the_clock: Sequence[str] | None = None,
    targets: Mapping[str, Mapping[str, str]] | None = None,
) -> SlaPolicy:
    """`policy` with the given settings replaced; raises ValueError with a reason if invalid."""
    calendar = policy.calendar
    updates: dict[str, Any] = {}
    if timezone is not None:
        updates["timezone"] = timezone
    if workdays is not None:
        updates["workdays"] = parse_workdays(workdays)
    if hours is not None:
        updates["opens"], updates["closes"] = parse_hours(hours)
    if national_holidays is not None:
        updates["national_holidays"] = national_holidays
    if extra_holidays is not None:
        updates["extra_holidays"] = frozenset(extra_holidays)
    try:
        calendar = replace(calendar, **updates)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError: say which setting is wrong
        raise ValueError(f"invalid calendar: {exc}") from exc
    always = policy.around_the_clock
    if around_the_clock is not None:
        unknown = set(around_the_clock) - set(PRIORITIES)
        if unknown:
            raise ValueError(f"unknown priorities {sorted(unknown)}; use P1, P2, P3")
        always = frozenset(around_the_clock)
    new_targets = dict(policy.targets)
    for clock, by_priority in (targets or {}).items():
        if clock not in CLOCKS:
            raise ValueError(f"unknown clock {clock!r}; use {', '.join(CLOCKS)}")
        for priority, text in by_priority.items():
            if priority not in PRIORITIES:
                raise ValueError(f"unknown priority {priority!r}; use P1, P2, P3")
            new_targets[(clock, priority)] = Target.parse(text)
    return SlaPolicy(calendar, always, new_targets)
