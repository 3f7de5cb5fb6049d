"""Dates in a complaint's own words, turned into the anchors that legal deadlines count from.

Workers write "surat PHK tgl 3 des", "kmrn jatuh dari pohon", "lebaran tinggal 5 hari". Each date
found is given to the event named closest to it (PHK, accident, holiday...); a date given with the
submission (`occurred_on`) anchors the complaint's main event when the text names none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.vocabulary import Category
from services.recommend.deadlines import KeyDates

MONTHS = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "pebruari": 2, "mar": 3, "maret": 3,
    "apr": 4, "april": 4, "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8,
    "agt": 8, "ags": 8, "agustus": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10,
    "oktober": 10, "nov": 11, "nop": 11, "november": 11, "nopember": 11, "des": 12,
    "desember": 12,
}  # fmt: skip

# Words that say which event a date belongs to, searched in a window around the date.
ANCHOR_CUES: dict[str, re.Pattern[str]] = {
    "holiday": re.compile(r"lebaran|idul ?fitri|hari raya|natal|nyepi|waisak|imlek|thr"),
    "dismissal_notice": re.compile(r"surat (phk|pemberitahuan|pemecatan)|pemberitahuan phk"),
    "dismissal": re.compile(r"phk|dipecat|diberhentikan|dikeluarin|putus kontrak|dirumahkan"),
    "accident": re.compile(
        r"kecelakaan|jatuh|kejepit|terjepit|ketimpa|tertimpa|luka|patah|terbakar|pingsan"
    ),
    "strike": re.compile(r"mogok"),
    "mediation_failed": re.compile(r"anjuran|mediasi (gagal|buntu)|risalah"),
    "mediation_referral": re.compile(r"mediasi|disnaker"),
    "bipartite_start": re.compile(r"bipartit|perundingan|runding"),
}
# A date's event is named within this many characters on either side.
CUE_WINDOW = 60

# The event a complaint's `occurred_on` most likely dates, by category.
MAIN_EVENT = {
    Category.TERMINATION_SEVERANCE: "dismissal_notice",
    Category.OSH_SAFETY_HEALTH: "accident",
    Category.THR_HOLIDAY_ALLOWANCE: "holiday",
}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_EXPLICIT = re.compile(
    rf"\b(?P<day>[0-3]?\d)[ ./-]?(?:(?P<name>{_MONTH})\b|(?P<num>[01]?\d)\b)"
    rf"(?:[ ./-](?P<year>(?:19|20)?\d\d)\b)?"
)
_RELATIVE = re.compile(
    r"\b(?:(?P<yesterday>kemarin|kmrn|kemaren)|(?P<today>hari ini|tadi|barusan)"
    r"|(?P<tomorrow>besok)|(?P<after>lusa)|(?P<lastweek>minggu lalu|minggu kemarin)"
    r"|(?P<n>\d{1,2}) ?(?P<unit>hari|minggu|bulan) (?:yang |yg )?(?:lalu|kemarin))\b"
)
_COUNTDOWN = re.compile(
    r"\b(?:h ?- ?(?P<h>\d{1,2})|tinggal (?P<left>\d{1,2}) ?hari|(?P<in>\d{1,2}) hari lagi)\b"
)


@dataclass(frozen=True)
class DateMention:
    day: date
    start: int
    end: int


def extract_key_dates(
    text: str,
    *,
    reference: date,
    occurred_on: date | None = None,
    category: Category | None = None,
) -> KeyDates:
    """The anchors of `text`'s deadlines, with `reference` as "today" (the submission date)."""
    lowered = text.lower()
    found: dict[str, date] = {}
    for mention in mentions(lowered, reference):
        anchor = _anchor_near(lowered, mention)
        if anchor is not None:
            found.setdefault(anchor, mention.day)
    main = MAIN_EVENT.get(category) if category else None
    if occurred_on is not None and main is not None:
        found.setdefault(main, occurred_on)
    return KeyDates(**found)


def mentions(text: str, reference: date) -> list[DateMention]:
    """Every date `text` names, explicit, relative or counted down, in reading order."""
    text = text.lower()
    found = [*_explicit(text, reference), *_relative(text, reference), *_countdown(text, reference)]
    return sorted(found, key=lambda m: m.start)


def _explicit(text: str, reference: date) -> list[DateMention]:
    found = []
    for match in _EXPLICIT.finditer(text):
        if match["num"] and not re.search(r"\d[./-]\d", match.group(0)):
            continue  # "3 12" is two numbers, not a date; "3/12" is one
        month = MONTHS[match["name"]] if match["name"] else int(match["num"])
        year = _year(match["year"], reference, month)
        try:
            day = date(year, month, int(match["day"]))
        except ValueError:
            continue
        found.append(DateMention(day, match.start(), match.end()))
    return found


def _year(written: str | None, reference: date, month: int) -> int:
    if written:
        return int(written) if len(written) == 4 else 2000 + int(written)
    # No year: the nearest such month, so "3 des" written in January means last December.
    return reference.year - 1 if month - reference.month > 6 else reference.year


def _relative(text: str, reference: date) -> list[DateMention]:
    found = []
    for match in _RELATIVE.finditer(text):
        if match["n"]:
            days = {"hari": 1, "minggu": 7, "bulan": 30}[match["unit"]] * int(match["n"])
            offset = -days
        else:
            kinds = {"yesterday": -1, "today": 0, "tomorrow": 1, "after": 2, "lastweek": -7}
            offset = next(v for k, v in kinds.items() if match[k])
        found.append(DateMention(reference + timedelta(days=offset), match.start(), match.end()))
    return found


def _countdown(text: str, reference: date) -> list[DateMention]:
    found = []
    for match in _COUNTDOWN.finditer(text):
        days = int(match["h"] or match["left"] or match["in"])
        found.append(DateMention(reference + timedelta(days=days), match.start(), match.end()))
    return found


def _anchor_near(text: str, mention: DateMention) -> str | None:
    """The event named nearest to the date, within CUE_WINDOW characters."""
    best: tuple[int, str] | None = None
    for anchor, cue in ANCHOR_CUES.items():
        window_start = max(0, mention.start - CUE_WINDOW)
        for match in cue.finditer(text, window_start, mention.end + CUE_WINDOW):
            # The gap between the two spans; on a tie the more specific cue (listed first) wins.
            distance = max(match.start() - mention.end, mention.start - match.end(), 0)
            if best is None or distance < best[0]:
                best = (distance, anchor)
    return best[1] if best else None
