"""Normalisation of informal Indonesian worker text.

Workers write on phones: abbreviations (gk, udh, sy), stretched letters (parahhh), reduplication
with a digit (anak2), emoji, money in a dozen shapes (3,1jt, 98rb/hari, Rp 2.500.000). The
classifier and the cue lexicons both read the canonical form made here, so one cue pattern covers
all spellings. Every normalised word remembers the span of the original text it came from, so tag
evidence can always quote the worker's own words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from services.triage.slang import read_slang

MONEY_TOKEN = "<uang>"
PERCENT_TOKEN = "<persen>"

SLANG_FILE = Path(__file__).parent / "data" / "slang.yaml"
# Token -> canonical word(s), from SLANG_FILE (`SlangFile` checks it when the module loads).
SLANG: dict[str, str] = read_slang(SLANG_FILE)

NEGATORS = frozenset({"tidak", "belum", "bukan", "tanpa", "jangan"})
# "bukan soal gaji": the negated thing is the word after the filler, so mark both.
NEGATION_FILLERS = frozenset({"soal", "masalah", "urusan", "karena", "cuma", "hanya", "pernah"})

_MONEY_RE = re.compile(
    r"(?i)(?:rp\.?\s?\d[\d.,]*(?:\s?(?:rb|ribu|jt|juta|k|milyar|miliar))?"
    r"|\b\d+(?:[.,]\d+)?\s?(?:rb|ribu|jt|juta|jeti|k)(?![a-z]))"
    r"(?:\s?/\s?(?:hari|hr|bulan|bln|minggu|jam|janjang|kg|ton))?"
)
_PERCENT_RE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:%|persen\b)", re.I)
_TOKEN_RE = re.compile(r"\S+")
_CLAUSE_BREAK_RE = re.compile(r"[.,;!?\n]+")
_SENTENCE_BREAK_RE = re.compile(r"[.;!?\n]+")
# A text pasted twice or fifty times (a forwarded message sent again, a flood) says what it said
# once, but counted twice or fifty times its words read as a longer and graver story: pasted ten
# times a wage complaint drew 0.067 from the emergency detector (0.004 once, review from 0.051)
# and gained `woman_worker` and `collective`. So a repeated sentence, or a text that is one run
# of words over and over, is read once when the repeat is at least this many words long or
# comes at least this many times. Shorter and rarer repeats are a worker's emphasis and stay
# ("tolong tolong", "anak anak", "cepat pak. cepat pak").
MIN_REPEATED_WORDS = 3
MIN_REPEATS = 3
# A phrase written again and again in place (no full stop between the copies) is read once from
# this many copies on. Fewer is how workers write: "sabar sabar sabar", "setaon, setaon,
# setaon", "nanti, nanti, nanti", "anak-anak. Anak-anak itu", and a run of three words met twice
# by chance ("tidak dapat THR, tidak dapat pesangon"). Under the sentences' rule above, 18 of the
# ~20,000 texts of the corpus, the generator and the 40 examples lost such words; at five copies
# none does.
MIN_COPIES_IN_PLACE = 5
# Runs are looked for up to this many words long: floods repeat a phrase or a short message, and
# the bound keeps the scan linear in the text's length.
MAX_RUN_WORDS = 24
_EDGE_PUNCT = "\"'`“”‘’.,;:!?()[]{}<>*~_|…"
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_REDUP_RE = re.compile(r"^([a-z]{3,})2$")
_MULTIPLIER = {
    "rb": 1e3,
    "ribu": 1e3,
    "k": 1e3,
    "jt": 1e6,
    "juta": 1e6,
    "jeti": 1e6,
    "milyar": 1e9,
    "miliar": 1e9,
}


@dataclass(frozen=True)
class Word:
    """One canonical word and the span of the original text it stands for."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class NormalizedText:
    """The canonical reading of a complaint.

    `text` is the canonical words joined by spaces (what the cue lexicons match), `marked` joins
    negations to the word they negate (`tidak_dibayar`) for the word features, `amounts` holds the
    rupiah amounts found and `words` maps canonical text back to the original for evidence.
    """

    original: str
    words: tuple[Word, ...]
    amounts: tuple[float, ...] = field(default_factory=tuple)
    repeats_left_out: bool = False  # `words` read a repeated text once (MIN_REPEATED_WORDS)

    # Cached: lexicons, vectorisers and evidence read these many times per complaint.
    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def marked(self) -> str:
        return mark_negation(self.text)

    def clauses(self) -> list[Clause]:
        """The complaint cut at punctuation, each clause keeping its own canonical words.

        Evidence quotes a clause; cutting the already normalised words is much cheaper than
        normalising every clause again. A word belongs to the clause it starts in.
        """
        out: list[Clause] = []
        cursor = 0
        first = 0
        bounds = [(m.start(), m.end()) for m in _CLAUSE_BREAK_RE.finditer(self.original)]
        for cut_start, cut_end in [*bounds, (len(self.original), len(self.original))]:
            last = first
            while last < len(self.words) and self.words[last].start < cut_start:
                last += 1
            if last > first:  # "000" after the dots of "2.500.000" is part of an earlier word
                out.append(self._clause(cursor, cut_start, range(first, last)))
            first, cursor = last, cut_end
        return out

    def _clause(self, start: int, end: int, indices: range) -> Clause:
        raw = self.original[start:end]
        clause = raw.strip()
        offset = start + len(raw) - len(raw.lstrip())
        own = self.words[indices.start : indices.stop]
        words = tuple(
            Word(w.text, max(0, w.start - offset), min(len(clause), w.end - offset)) for w in own
        )
        # From the whole text: a decimal comma ("3,1jt") also cuts clauses.
        amounts = money_amounts(self.original, own)
        text = NormalizedText(original=clause, words=words, amounts=amounts)
        return Clause(text=text, words=indices, span=(offset, offset + len(clause)))

    def original_span(self, start: int, end: int) -> str:
        """The original text behind canonical characters [start, end), for evidence."""
        pos = 0
        first: Word | None = None
        last: Word | None = None
        for word in self.words:
            w_start, w_end = pos, pos + len(word.text)
            if w_end > start and w_start < end:
                first = first or word
                last = word
            pos = w_end + 1
        if first is None or last is None:
            return ""
        return self.original[first.start : last.end]


@dataclass(frozen=True)
class Clause:
    """One clause of a complaint: its own normalised text, and where it sits in the whole."""

    text: NormalizedText
    words: range  # indices into the whole text's words
    span: tuple[int, int]  # characters of the whole original text


def parse_amount(raw: str) -> float | None:
    """Rupiah value of a money expression: '3,1jt' -> 3_100_000, 'Rp 2.500.000' -> 2_500_000."""
    s = raw.lower().split("/")[0].replace("rp", "").strip().rstrip(".")
    m = re.match(r"([\d.,]+)\s*([a-z]*)", s)
    if not m:
        return None
    number, unit = m.group(1), m.group(2)
    multiplier = _MULTIPLIER.get(unit, 1.0)
    if multiplier == 1.0:
        # thousands separators in plain rupiah: "2.500.000" or "2,500,000"
        digits = re.sub(r"[.,]", "", number)
    else:
        # decimal comma in "3,1jt"; a dot works the same way in "1.5jt"
        digits = number.replace(",", ".")
        if digits.count(".") > 1:
            digits = digits.replace(".", "")
    try:
        return float(digits) * multiplier
    except ValueError:
        return None


def strip_emoji(text: str) -> str:
    """Drop emoji and pictographs; they carry mood, not facts, and break character n-grams."""
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in {"So", "Sk", "Cs", "Co"} and ch not in "\ufe0f\u200d"
    )


@lru_cache(maxsize=65_536)
def _canonical_words(token: str) -> tuple[str, ...]:
    """Canonical words for one whitespace token (lowercase, no edge punctuation, slang fixed).

    Cached: workers repeat the same few thousand tokens, and each costs several regexes."""
    t = strip_emoji(token.lower()).strip(_EDGE_PUNCT)
    if not t:
        return ()
    t = _REPEAT_RE.sub(r"\1", t)  # "parahhh" -> "parah", "tolooong" -> "tolong"
    if t in SLANG:
        return tuple(SLANG[t].split())
    redup = _REDUP_RE.match(t)
    if redup:  # "anak2" -> "anak anak", keeps the plural visible as two words
        base = SLANG.get(redup.group(1), redup.group(1))
        return (base, base)
    if re.fullmatch(r"[a-z]+(-[a-z]+)+", t):
        parts = t.split("-")
        if parts[0] in {"di", "nge", "ke", "se"}:  # "di-PHK", "nge-WA": a prefix, join it
            return _canonical_words("".join(parts))
        return tuple(w for p in parts for w in _canonical_words(p))  # "ibu-ibu", "dibeda-bedain"
    if "/" in t and not re.search(r"\d", t):  # "SP/SB", "panas/gerah": alternatives
        return tuple(w for p in t.split("/") for w in _canonical_words(p))
    if re.fullmatch(r"[a-z]+[.,!?]+[a-z]+", t):  # "jam.lembur": a missing space
        return tuple(w for p in re.split(r"[.,!?]+", t) for w in _canonical_words(p))
    return (t,)


# The worker embeds a poll's texts and then classifies them: both read each text normalised.
@lru_cache(maxsize=512)
def normalize(text: str) -> NormalizedText:
    """Canonical words (with original spans) and parsed money amounts of one complaint, any
    repetition of it read once (MIN_REPEATED_WORDS)."""
    specials = [(m.start(), m.end(), MONEY_TOKEN) for m in _MONEY_RE.finditer(text)]
    for m in _PERCENT_RE.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in specials):
            specials.append((m.start(), m.end(), PERCENT_TOKEN))
    specials.sort()

    words: list[Word] = []
    cursor = 0
    for start, end, token in [*specials, (len(text), len(text), "")]:
        for m in _TOKEN_RE.finditer(text, cursor, start):
            span_start, span_end = _core_span(text, m.start(), m.end())
            words.extend(Word(w, span_start, span_end) for w in _canonical_words(m.group(0)))
        if token:
            words.append(Word(token, start, end))
        cursor = max(cursor, end)
    kept = _read_once(text, words)
    return NormalizedText(
        original=text,
        words=kept,
        amounts=money_amounts(text, kept),
        repeats_left_out=len(kept) < len(words),
    )


def read_once(text: str) -> str:
    """What the sentence encoder reads: the text itself, or, when it repeats itself, the
    worker's words that `normalize` kept (a flood read once in both of triage's views)."""
    normalized = normalize(text)
    if not normalized.repeats_left_out:
        return text
    return " ".join(text[w.start : w.end] for w in normalized.words)


def money_amounts(original: str, words: Sequence[Word]) -> tuple[float, ...]:
    """The rupiah amounts behind the money tokens among `words`."""
    return tuple(
        value
        for w in words
        if w.text == MONEY_TOKEN and (value := parse_amount(original[w.start : w.end])) is not None
    )


def _read_once(text: str, words: list[Word]) -> tuple[Word, ...]:
    """`words` without sentences that repeat an earlier one, without a phrase pasted over and
    over in place, then without a run repeating itself to the end (a text joined without full
    stops): each kept as first written."""
    sentences = _sentences(text, words)
    keys = [tuple(w.text for w in sentence) for sentence in sentences]
    counts = Counter(keys)
    seen: set[tuple[str, ...]] = set()
    kept: list[Word] = []
    for sentence, key in zip(sentences, keys, strict=True):
        if key in seen and _repetition(len(key), counts[key]):
            continue
        seen.add(key)
        kept.extend(sentence)
    kept = _collapse_runs(kept)
    period = _period([w.text for w in kept])
    return tuple(kept[:period] if _repetition(period, len(kept) // period) else kept)


def _collapse_runs(words: list[Word]) -> list[Word]:
    """`words` with each run of words written again and again right after itself (an
    introduction, then one phrase pasted fifty times) read once, the shortest run first
    (MIN_COPIES_IN_PLACE)."""
    tokens = [w.text for w in words]
    next_same = _next_occurrences(tokens)
    kept: list[Word] = []
    at = 0
    while at < len(tokens):
        size, times = _tandem_run(tokens, next_same, at)
        kept.extend(words[at : at + size])
        at += size * times
    return kept


def _next_occurrences(tokens: list[str]) -> list[int]:
    """For each token, where the same token comes next (len(tokens) when it does not)."""
    following: dict[str, int] = {}
    next_same = [len(tokens)] * len(tokens)
    for i in range(len(tokens) - 1, -1, -1):
        next_same[i] = following.get(tokens[i], len(tokens))
        following[tokens[i]] = i
    return next_same


def _tandem_run(tokens: list[str], next_same: list[int], start: int) -> tuple[int, int]:
    """The shortest run from `start` that the next words repeat at least MIN_COPIES_IN_PLACE
    times in all, and how many times it is written; (1, 1) when there is none."""
    longest = min(MAX_RUN_WORDS, (len(tokens) - start) // MIN_COPIES_IN_PLACE)
    again = next_same[start]  # a run can only be as long as the distance to its first word
    while again - start <= longest:
        size = again - start
        block = tokens[start:again]
        times = 1
        while tokens[start + times * size : start + (times + 1) * size] == block:
            times += 1
        if times >= MIN_COPIES_IN_PLACE:
            return size, times
        again = next_same[again]
    return 1, 1


def _repetition(words: int, times: int) -> bool:
    """A run of `words` words written `times` times is repetition, not emphasis."""
    return times >= 2 and (words >= MIN_REPEATED_WORDS or times >= MIN_REPEATS)


def _sentences(text: str, words: list[Word]) -> list[list[Word]]:
    """`words` cut where the text ends a sentence; a word belongs to the one it starts in."""
    ends = [m.start() for m in _SENTENCE_BREAK_RE.finditer(text)]
    sentences: list[list[Word]] = [[]]
    at = 0
    for word in words:
        while at < len(ends) and ends[at] <= word.start:
            at += 1
            if sentences[-1]:
                sentences.append([])
        sentences[-1].append(word)
    return sentences


def _period(tokens: list[str]) -> int:
    """The length of the shortest run the tokens repeat at least twice to their end (KMP's
    failure function), or the length of the whole when they do not."""
    n = len(tokens)
    failure = [0] * n
    for i in range(1, n):
        k = failure[i - 1]
        while k and tokens[i] != tokens[k]:
            k = failure[k - 1]
        failure[i] = k + 1 if tokens[i] == tokens[k] else 0
    period = n - failure[-1] if n else 1
    return period if n >= 2 * period else max(n, 1)


def _core_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a token span past edge punctuation so evidence quotes read cleanly."""
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    return start, end


def mark_negation(text: str) -> str:
    """Join a negator to what it negates: 'tidak dibayar' -> 'tidak_dibayar'.

    A bag of words would otherwise read "lembur tidak dibayar" and "lembur dibayar" alike, and
    "bukan soal gaji" would vote for the wage category.
    """
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in NEGATORS and i + 1 < len(words):
            nxt = words[i + 1]
            out.append(f"{word}_{nxt}")
            i += 2
            if nxt in NEGATION_FILLERS and i < len(words):
                out.append(f"{word}_{words[i]}")
                i += 1
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def normalize_text(text: str) -> str:
    """Shorthand: the canonical text only."""
    return normalize(text).text
