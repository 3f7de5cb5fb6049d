"""Legal deadlines of docs/domain.md §5, as concrete dates when the complaint gives the anchor date.

Missing a deadline loses a worker's case (a dismissal not refused in writing, a PHK lawsuit filed
too late), so every recommendation states the rule in words, and adds the date when it is known.
Working days are counted on the shared `WorkCalendar` (services/runtime/businesstime.py), the
one feedback's SLA clocks run on: `NATIONAL_CALENDAR`, Monday-Friday minus Indonesian national
holidays. A union's own days off (SKB cuti bersama, a factory's Lebaran closure) live in
feedback's settings and do not reach recommend yet, so the service counts on the national
calendar; a caller that knows the union's calendar may pass it.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.runtime.businesstime import NATIONAL_CALENDAR, WorkCalendar


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


@dataclass(frozen=True)
class _RuleSpec:
    text: str
    anchor: Callable[[KeyDates], date | None]
    due: Callable[[date, WorkCalendar], date]


_RULES: dict[DeadlineRule, _RuleSpec] = {
    DeadlineRule.THR_DUE: _RuleSpec(
        "THR wajib dibayar paling lambat 7 hari sebelum hari raya (H-7); sesudah H-7 lapor ke"
        " Posko THR dan pengawas, tuntut THR + denda 5%.",
        lambda d: d.holiday,
        lambda anchor, _cal: anchor - timedelta(days=7),
    ),
    DeadlineRule.BIPARTITE: _RuleSpec(
        "Bipartit harus selesai dalam 30 hari kerja sejak dimulai; bila ditolak atau gagal,"
        " catatkan ke Disnaker dengan bukti bipartit.",
        lambda d: d.bipartite_start,
        lambda anchor, cal: cal.add_working_days(anchor, 30),
    ),
    DeadlineRule.DISMISSAL_REFUSAL: _RuleSpec(
        "Penolakan PHK harus tertulis dan beralasan, paling lambat 7 hari kerja sejak surat"
        " pemberitahuan PHK diterima; penolakan itu membuka bipartit.",
        lambda d: d.dismissal_notice,
        lambda anchor, cal: cal.add_working_days(anchor, 7),
    ),
    DeadlineRule.MEDIATION: _RuleSpec(
        "Mediasi Disnaker selesai dalam 30 hari kerja sejak pelimpahan; anjuran dijawab dalam 10"
        " hari kerja (diam = menolak).",
        lambda d: d.mediation_referral,
        lambda anchor, cal: cal.add_working_days(anchor, 30),
    ),
    DeadlineRule.PHK_LAWSUIT: _RuleSpec(
        "Gugatan PHK ke PHI paling lambat 1 tahun sejak mediasi/konsiliasi gagal"
        " (MK 132/PUU-XXIII/2025); tuntutan upah tidak kedaluwarsa.",
        lambda d: d.mediation_failed,
        lambda anchor, _cal: add_months(anchor, 12),
    ),
    DeadlineRule.ACCIDENT_REPORT: _RuleSpec(
        "Kecelakaan kerja wajib dilaporkan pengusaha ke BPJS Ketenagakerjaan dan Disnaker dalam"
        " 2×24 jam.",
        lambda d: d.accident,
        lambda anchor, _cal: anchor + timedelta(days=2),
    ),
    DeadlineRule.JKP_CLAIM: _RuleSpec(
        "Klaim JKP paling lambat 6 bulan sejak PHK (syarat 12 bulan iuran dalam 24 bulan).",
        lambda d: d.dismissal,
        lambda anchor, _cal: add_months(anchor, 6),
    ),
    DeadlineRule.STRIKE_NOTICE: _RuleSpec(
        "Mogok sah hanya setelah perundingan gagal dan dengan pemberitahuan tertulis ke pengusaha"
        " dan Disnaker paling lambat 7 hari kerja sebelumnya (waktu, tempat, alasan, tanda tangan"
        " penanggung jawab).",
        lambda d: d.strike,
        lambda anchor, cal: cal.add_working_days(anchor, -7),
    ),
}


def rule_text(rule: DeadlineRule) -> str:
    return _RULES[rule].text


def compute_deadline(
    rule: DeadlineRule,
    dates: KeyDates | None = None,
    calendar: WorkCalendar = NATIONAL_CALENDAR,
) -> Deadline:
    """The deadline of `rule`: dated when `dates` holds its anchor, otherwise the rule in words.

    Working days are those of `calendar`: national holidays are skipped by default, a union's
    extra days off when its calendar is given.
    """
    spec = _RULES[rule]
    anchor = spec.anchor(dates) if dates is not None else None
    due = spec.due(anchor, calendar) if anchor is not None else None
    return Deadline(rule=rule, text=spec.text, due=due)
