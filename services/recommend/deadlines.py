"""Legal deadlines of docs/domain.md §5, as concrete dates when the complaint gives the anchor date.

Missing a deadline loses a worker's case (a dismissal not refused in writing, a PHK lawsuit filed
too late), so every recommendation states the rule in words, and adds the date when it is known.
Working days are counted on the shared `WorkCalendar` (services/runtime/businesstime.py), the
one feedback's SLA clocks run on: `NATIONAL_CALENDAR`, Monday-Friday minus Indonesian national
holidays. A union's own days off (its office shut for cuti bersama) stay with feedback's SLA
clocks: the law counts the worker's and the employer's working days, and adding the union's
days off could only move a due date later, the one error that loses a case. A caller that knows
a workplace's own calendar may pass it.

Each rule's text and period are data, in the playbook (`data/playbook.yaml`, `deadlines:`): a
legal officer changes "7 hari kerja" to 10 there, text and date arithmetic together, without
Python. Which rule applies to which action stays code (`ranking._deadline_rule`), as do the rule
ids, which other systems may store.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from services.runtime.businesstime import WorkCalendar


class DeadlineRule(StrEnum):
    THR_DUE = "thr_due"
    BIPARTITE = "bipartite_30_working_days"
    DISMISSAL_REFUSAL = "dismissal_refusal_7_working_days"
    MEDIATION = "mediation_30_working_days"
    PHK_LAWSUIT = "phk_lawsuit_1_year"
    ACCIDENT_REPORT = "accident_report_2x24h"
    JKP_CLAIM = "jkp_claim_6_months"
    STRIKE_NOTICE = "strike_notice_7_working_days"


class KeyDates(BaseModel):
    """Dates known about a complaint (from the text, the triage or the officer)."""

    model_config = ConfigDict(frozen=True)

    holiday: date | None = None  # the worker's religious holiday (Idul Fitri, Natal, Nyepi...)
    dismissal_notice: date | None = None  # day the written PHK notice was received
    dismissal: date | None = None  # day the PHK took effect
    bipartite_start: date | None = None
    mediation_referral: date | None = None
    mediation_failed: date | None = None  # anjuran / risalah of failed mediation or conciliation
    accident: date | None = None
    strike: date | None = None  # planned first day of a strike


class Deadline(BaseModel):
    """A deadline: always the rule in words, plus the date when the anchor date is known."""

    rule: DeadlineRule
    text: str
    due: date | None = None

    def describe(self) -> str:
        if self.due is None:
            return self.text
        return f"{self.text} Batas: {self.due.isoformat()}."


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


class Offset(BaseModel):
    """How far the due date lies from the anchor: exactly one of the three, negative = before."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int | None = None  # calendar days
    working_days: int | None = None  # on the union's WorkCalendar
    months: int | None = None  # calendar months, clamped to the month's end

    @model_validator(mode="after")
    def _exactly_one(self) -> Offset:
        given = [name for name, value in self if value is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of days, working_days, months")
        return self

    def from_anchor(self, anchor: date, calendar: WorkCalendar) -> date:
        if self.working_days is not None:
            return calendar.add_working_days(anchor, self.working_days)
        if self.months is not None:
            return add_months(anchor, self.months)
        return anchor + timedelta(days=self.days or 0)


class DeadlineTerm(BaseModel):
    """One rule as the playbook states it: its text, the date it counts from, and how far."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, StringConstraints(min_length=1)]
    anchor: str  # the KeyDates field the rule counts from
    due: Offset

    @field_validator("anchor")
    @classmethod
    def _a_key_date(cls, anchor: str) -> str:
        if anchor not in KeyDates.model_fields:
            raise ValueError(f"{anchor!r} is not one of {', '.join(KeyDates.model_fields)}")
        return anchor

    def deadline(
        self, rule: DeadlineRule, dates: KeyDates | None, calendar: WorkCalendar
    ) -> Deadline:
        """Dated when `dates` holds the anchor, otherwise the rule in words.

        Working days are those of `calendar`: national holidays are skipped by default, a
        union's extra days off when its calendar is given.
        """
        anchor: date | None = getattr(dates, self.anchor) if dates is not None else None
        due = self.due.from_anchor(anchor, calendar) if anchor is not None else None
        return Deadline(rule=rule, text=self.text, due=due)
