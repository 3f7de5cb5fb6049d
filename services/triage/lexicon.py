"""Cue lexicons per category and per tag, written against the canonical text of `normalize`.

Patterns, not strings: one regular expression covers "kejepit mesin", "terjepit mesin press" and
"tangannya kejepit". Cues never set a tag by themselves: strong and weak cues are features of the
learned per-tag heads, which decide from context (for example "anak anak" may be children or
"the guys on the line"); a strong cue that matched is quoted as the tag's evidence. Category cues
are features only: the right category depends on what the worker most wants restored, which a cue
list cannot decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TypeVar

from schemas.vocabulary import Category, Tag
from services.triage.cues import read_cues
from services.triage.normalize import Clause, NormalizedText

W = r"(?: \S+)"  # one more canonical word, used for short gaps inside a phrase


def rx(*alternatives: str) -> re.Pattern[str]:
    """Whole-word alternation over canonical text (words are separated by single spaces)."""
    return re.compile(r"(?<![\w<>])(?:" + "|".join(alternatives) + r")(?![\w<>])")


# Category cues, tag cues (strong: quoted as evidence; weak: features only), from data/cues.yaml.
_CUES = read_cues()
CATEGORY_CUES: dict[Category, re.Pattern[str]] = {
    category: rx(*_CUES.expanded(patterns)) for category, patterns in _CUES.categories.items()
}
TAG_STRONG: dict[Tag, re.Pattern[str]] = {
    tag: rx(*_CUES.expanded(patterns)) for tag, patterns in _CUES.tags_strong.items()
}
TAG_WEAK: dict[Tag, re.Pattern[str]] = {
    tag: rx(*_CUES.expanded(patterns)) for tag, patterns in _CUES.tags_weak.items()
}

# Danger told in words, and the work words that put a child in hazardous work (priority.py).
DANGER_CUES: re.Pattern[str] = rx(*_CUES.expanded(_CUES.danger))
HAZARDOUS_WORK: re.Pattern[str] = rx(*_CUES.expanded(_CUES.hazardous_work))

TAG_ORDER: tuple[Tag, ...] = tuple(Tag)
CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)

# Capitalised names after an employer word ("pabrik Sinar Jaya", "Kebun Sei Lala") are employer
# names; this runs on the original text because capitals are the only signal.
_EMPLOYER_ORIGINAL = re.compile(
    r"\b(?:PT|CV|UD|Pt|pt)\.?\s+[A-Za-z0-9][\w&.-]*"
    r"|\b(?:[Pp]abrik|[Kk]ebun|[Ee]state|PKS|[Pp]erkebunan|[Pp]erusahaan)\s+"
    r"(?!Ini\b|Itu\b|Kami\b|Kita\b|Saya\b|Yang\b)[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*"
)


@dataclass(frozen=True)
class CueHit:
    """A tag cue found in a complaint, with the worker's own words as evidence."""

    tag: Tag
    evidence: str
    strong: bool


Matches = tuple[tuple[int, int], ...]  # (first word, last word) of each match


@dataclass(frozen=True)
class CueScan:
    """Every cue match of one text, found with one pass of each pattern.

    Matches are kept as ranges of canonical words, so a clause (a run of the same words) reads
    its cues from the complaint's scan instead of running ~100 patterns again: the patterns
    were half of a poll's classification time.
    """

    text: NormalizedText
    strong: dict[Tag, Matches]  # only patterns that matched
    weak: dict[Tag, Matches]
    categories: dict[Category, Matches]
    employers: tuple[tuple[int, int], ...]  # character spans in the original text

    def features(self) -> list[float]:
        """Category cue counts, then per tag strong-cue count and weak-cue presence (capped)."""
        out = [min(len(self.categories.get(c, ())), 4) / 4.0 for c in CATEGORY_ORDER]
        for tag in TAG_ORDER:
            n_strong = len(self.strong.get(tag, ()))
            if tag is Tag.EMPLOYER_NAMED and self.employers:
                n_strong += 1
            out.append(min(n_strong, 3) / 3.0)
            out.append(1.0 if self.weak.get(tag) else 0.0)
        return out

    def hits(self) -> dict[Tag, CueHit]:
        """The first cue per tag, strong cues winning over weak ones."""
        found = {tag: self._hit(tag, m[0], strong=True) for tag, m in self.strong.items() if m}
        if Tag.EMPLOYER_NAMED not in found and self.employers:
            start, end = self.employers[0]
            name = self.text.original[start:end]
            found[Tag.EMPLOYER_NAMED] = CueHit(Tag.EMPLOYER_NAMED, name, strong=True)
        for tag, matches in self.weak.items():
            if matches and tag not in found:
                found[tag] = self._hit(tag, matches[0], strong=False)
        return found

    def within(self, clause: Clause) -> CueScan:
        """The scan of one clause of this text, as if the clause had been scanned alone."""
        lo, hi = clause.words.start, clause.words.stop

        def inside(matches: Matches) -> Matches:
            return tuple((a - lo, b - lo) for a, b in matches if lo <= a and b < hi)

        start, end = clause.span
        return CueScan(
            text=clause.text,
            strong=_non_empty({tag: inside(m) for tag, m in self.strong.items()}),
            weak=_non_empty({tag: inside(m) for tag, m in self.weak.items()}),
            categories=_non_empty({c: inside(m) for c, m in self.categories.items()}),
            employers=tuple(
                (a - start, b - start) for a, b in self.employers if start <= a and b <= end
            ),
        )

    def _hit(self, tag: Tag, match: tuple[int, int], *, strong: bool) -> CueHit:
        words = self.text.words
        return CueHit(tag, self.text.original[words[match[0]].start : words[match[1]].end], strong)


K = TypeVar("K")


def _non_empty(matches: dict[K, Matches]) -> dict[K, Matches]:
    """Most patterns match nothing in a complaint; keeping only hits keeps clause scans cheap."""
    return {key: m for key, m in matches.items() if m}


def scan_cues(nt: NormalizedText) -> CueScan:
    canonical = nt.text
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for word in nt.words:
        starts.append(position)
        position += len(word.text)
        ends.append(position)
        position += 1

    def matches(pattern: re.Pattern[str]) -> Matches:
        found = []
        for m in pattern.finditer(canonical):
            # the words the match overlaps, as `NormalizedText.original_span` quotes them
            first, last = bisect_right(ends, m.start()), bisect_left(starts, m.end()) - 1
            if first <= last:
                found.append((first, last))
        return tuple(found)

    return CueScan(
        text=nt,
        strong=_non_empty({tag: matches(p) for tag, p in TAG_STRONG.items()}),
        weak=_non_empty({tag: matches(p) for tag, p in TAG_WEAK.items()}),
        categories=_non_empty({c: matches(CATEGORY_CUES[c]) for c in CATEGORY_ORDER}),
        employers=tuple(m.span() for m in _EMPLOYER_ORIGINAL.finditer(nt.original)),
    )
