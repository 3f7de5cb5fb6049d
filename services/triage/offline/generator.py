"""Seeded generator of varied, realistic synthetic complaints with DOMAIN-consistent labels.

A complaint is assembled from one primary problem fragment, sometimes one or two problems of other
categories (the secondary categories), tag modifiers (evidence, steps taken, fear of reprisal...),
greetings and distractors, then rendered in a register: formal letter, casual chat, heavy slang with
typos, or code-mixed with English. Labels come from the fragments, never from the rendered text, so
the noise the renderer adds does not corrupt them. The 40 labelled examples (schemas/examples)
are never used here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from schemas.vocabulary import Category, Sector, Tag
from services.triage.examples import Example
from services.triage.normalize import normalize_text
from services.triage.offline.fragments import Fragment, read_phrase_banks
from services.triage.priority import is_hazardous_minor, priority_from_tags

BANKS = read_phrase_banks()  # data/generator.yaml, checked on import
# The only modifiers a complaint of category `other` (a question about dues) may carry.
HARMLESS_MODIFIERS = frozenset(
    {Tag.INFO_REQUEST, Tag.EMPLOYER_NAMED, Tag.LOCATION_NAMED, Tag.UNION_MEMBER, Tag.WOMAN_WORKER}
)
CATEGORY_WEIGHTS: dict[Category, float] = {c: 1.0 for c in Category} | {Category.OTHER: 0.5}
SEPARATORS = [". ", ". ", ", ", " ", "\n", ". terus ", " dan ", "... ", ". trus ", ", udah gitu "]


class _Slots:
    """Fills {slots} in a fragment and records the tags the fillers imply."""

    def __init__(self, rng: random.Random, sector: Sector, subject: str) -> None:
        self.rng = rng
        self.sector = sector
        self.subject = subject
        self.tags: set[Tag] = set()

    def money(self, low: float, high: float) -> str:
        value = self.rng.uniform(low, high)
        style = self.rng.randrange(7)
        if value >= 1e6:
            jt = round(value / 1e6, 1)
            text = f"{jt:g}".replace(".", ",")
            full = f"{round(value, -3):,.0f}".replace(",", ".")
            return [
                f"{text}jt",
                f"{text} juta",
                f"Rp {full}",
                f"Rp{full}",
                f"{text} jt",
                f"Rp {text} juta",
                full,
            ][style]
        rb = round(value / 1e3)
        return [
            f"{rb}rb",
            f"{rb} ribu",
            f"Rp {rb}.000",
            f"Rp{rb}.000",
            f"{rb}k",
            f"{rb} rb",
            f"Rp. {rb}.000",
        ][style]

    def fill(self, template: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            rng = self.rng
            if name == "I":
                return self.subject
            if name == "sup":
                self.tags.add(Tag.SUPERVISOR_IMPLICATED)
                return rng.choice(BANKS.supervisors[self.sector])
            if name == "hr":
                return rng.choice(BANKS.hr)
            if name == "company":
                self.tags.add(Tag.EMPLOYER_NAMED)
                return rng.choice(BANKS.companies)
            if name in {"city", "kec"}:
                self.tags.add(Tag.LOCATION_NAMED)
                return rng.choice(BANKS.kecamatan if name == "kec" else BANKS.cities[self.sector])
            if name.startswith("money"):
                self.tags.add(Tag.MONEY_AMOUNT_STATED)
                ranges = {
                    "money": (5e5, 2e7),
                    "money_big": (3e6, 6e6),
                    "money_small": (1e4, 5e5),
                    "money_day": (6e4, 1.3e5),
                }
                low, high = ranges.get(name, ranges["money"])
                amount = self.money(low, high)
                return amount + ("/hari" if name == "money_day" and rng.random() < 0.5 else "")
            if name == "dur":
                return rng.choice(
                    ["3 bulan", "setahun", "2 tahun", "berbulan-bulan", "6 bulan", "lama"]
                )
            if name == "brand":
                return rng.choice(BANKS.brands)
            if name == "unit":
                return rng.choice(BANKS.units[self.sector])
            return match.group(0)

        return re.sub(r"\{(\w+)\}", replace, template)


def _pick_subject(rng: random.Random, fragment: Fragment) -> tuple[str, set[Tag]]:
    """Whose voice: the worker alone, a group, or someone reporting for the worker."""
    woman = fragment.who == "woman"
    subjects = BANKS.subjects
    roll = rng.random()
    if Tag.COLLECTIVE in fragment.tags or roll < 0.3:
        pool = subjects.coll_woman if woman and rng.random() < 0.6 else subjects.coll
        return rng.choice(pool), {Tag.COLLECTIVE}
    if roll < 0.47:
        subject = rng.choice(subjects.third_woman if woman else subjects.third_any)
        tags = {Tag.REPORTED_BY_THIRD_PARTY, Tag.INDIVIDUAL}
        if any(w in subject for w in ("istri", "perempuan")):
            tags.add(Tag.WOMAN_WORKER)
        return subject, tags
    return rng.choice(subjects.indiv), {Tag.INDIVIDUAL}


def _pick_fragment(rng: random.Random, category: Category) -> tuple[Fragment, Sector]:
    fragment: Fragment
    rule_cases = [f for f in BANKS.rule_cases if f.category is category]
    if rng.random() < 0.08 and rule_cases:
        fragment = rng.choice(rule_cases)
    else:
        fragment = rng.choice(BANKS.problems[category])
    return fragment, rng.choice(sorted(fragment.sectors))


def _secondary_fragments(
    rng: random.Random, primary: Category, sector: Sector
) -> list[tuple[Category, Fragment]]:
    count = rng.choices([0, 1, 2], weights=[0.55, 0.35, 0.10])[0]
    if primary is Category.OTHER:
        return []
    others = [c for c in Category if c not in {primary, Category.OTHER}]
    picked: list[tuple[Category, Fragment]] = []
    for category in rng.sample(others, count):
        options = [f for f in BANKS.problems[category] if sector in f.sectors and f.who != "woman"]
        if options:
            picked.append((category, rng.choice(options)))
    return picked


def _modifiers(rng: random.Random, category: Category) -> list[Tag]:
    count = rng.choices([0, 1, 2, 3, 4], weights=[0.2, 0.3, 0.27, 0.15, 0.08])[0]
    keys = list(BANKS.modifiers)
    weights = [BANKS.modifiers[k].weight for k in keys]
    chosen: list[Tag] = []
    for _ in range(count):
        key = rng.choices(keys, weights=weights)[0]
        if key not in chosen:
            chosen.append(key)
    if category is Category.OTHER:  # a question about dues carries no harm tags
        chosen = [k for k in chosen if k in HARMLESS_MODIFIERS]
    return chosen


def _render(text: str, rng: random.Random) -> str:
    """Pick a register and apply it: the labels never depend on this step."""
    registers = ["formal", "casual", "slang", "mixed"]
    register = rng.choices(registers, weights=[0.15, 0.4, 0.3, 0.15])[0]
    words = text.split(" ")
    if register in {"slang", "mixed"}:
        words = _swap(words, BANKS.spelling, 0.7, rng)
        words = [re.sub(r"^(\w{3,}) \1$", r"\g<1>2", w) for w in words]
    if register == "mixed":
        words = _swap(words, BANKS.code_mixing, 0.5, rng)
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words) + 1), rng.choice(BANKS.english_fillers))
    if register == "slang":
        words = [_typo(w, rng) if rng.random() < 0.05 else w for w in words]
        if rng.random() < 0.3:
            idx = rng.randrange(len(words))
            if words[idx][-1:].isalpha():
                words[idx] = words[idx] + words[idx][-1] * rng.randint(2, 4)
    out = " ".join(words)
    out = re.sub(r"\b(\w{3,}) \1\b", r"\g<1>2", out) if register == "slang" else out
    if register == "formal":
        out = out[:1].upper() + out[1:]
        out = re.sub(r"\bgak\b|\bgk\b|\bga\b", "tidak", out)
        out = re.sub(r"\budah\b|\budh\b", "sudah", out)
    elif rng.random() < 0.6:
        out = out.lower()
    if register != "formal" and rng.random() < 0.25:
        out += " " + rng.choice(BANKS.emoji) * rng.randint(1, 3)
    return out


def _swap(
    words: list[str], table: dict[str, list[str]], share: float, rng: random.Random
) -> list[str]:
    """Each word the table knows is replaced by one of its spellings `share` of the time."""
    return [rng.choice(table[w]) if w in table and rng.random() < share else w for w in words]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def generate_one(rng: random.Random, category: Category, index: int = 0) -> Example:
    """One labelled synthetic complaint whose primary category is `category`."""
    fragment, sector = _pick_fragment(rng, category)
    subject, scope_tags = _pick_subject(rng, fragment)
    slots = _Slots(rng, sector, subject)
    tags: set[Tag] = set(fragment.tags) | scope_tags
    secondary: list[Category] = list(fragment.secondary)
    sentences = [slots.fill(fragment.text)]
    if rng.random() < 0.15:  # a bare one-liner: real inboxes are full of them
        return _bare(rng, fragment, category, sector, slots, tags, index)

    for other, extra in _secondary_fragments(rng, category, sector):
        sentences.append(slots.fill(extra.text))
        tags |= extra.tags
        secondary.append(other)
    for tag in _modifiers(rng, category):
        sentences.append(slots.fill(rng.choice(BANKS.modifiers[tag].sentences)))
        tags.add(tag)
    if rng.random() < 0.07 and category is not Category.OTHER:
        distractor = rng.choice(BANKS.distractors)
        sentences.insert(rng.randrange(len(sentences) + 1), slots.fill(distractor))
    if rng.random() < 0.25:  # the primary is not always said first
        rng.shuffle(sentences)
    tags |= slots.tags

    if Tag.COLLECTIVE in tags:
        tags.discard(Tag.INDIVIDUAL)
    if tags & {Tag.PREGNANT_WORKER, Tag.NEW_OR_BREASTFEEDING_MOTHER} and fragment.who == "woman":
        tags.add(Tag.WOMAN_WORKER)

    body = sentences[0]
    for sentence in sentences[1:]:
        body += rng.choice(SEPARATORS) + sentence
    opener, closer = rng.choice(BANKS.openers), rng.choice(BANKS.closers)
    text = _render(" ".join(p for p in (opener, body, closer) if p), rng)

    unique_secondary = tuple(dict.fromkeys(c for c in secondary if c is not category))[:2]
    categories = {category, *unique_secondary}
    hazardous = is_hazardous_minor(normalize_text(text), tags, categories)
    return Example(
        text=text,
        category=category,
        secondary=unique_secondary,
        tags=frozenset(tags),
        priority=priority_from_tags(tags, hazardous or Category.CHILD_LABOUR in categories),
        sector=sector,
        id=f"syn-{index}",
    )


def _bare(
    rng: random.Random,
    fragment: Fragment,
    category: Category,
    sector: Sector,
    slots: _Slots,
    tags: set[Tag],
    index: int,
) -> Example:
    text = _render(slots.fill(fragment.text), rng)
    tags = tags | slots.tags
    if Tag.COLLECTIVE in tags:
        tags.discard(Tag.INDIVIDUAL)
    secondary = tuple(fragment.secondary)[:2]
    hazardous = is_hazardous_minor(normalize_text(text), tags, {category, *secondary})
    return Example(
        text=text,
        category=category,
        secondary=secondary,
        tags=frozenset(tags),
        priority=priority_from_tags(
            tags, hazardous or Category.CHILD_LABOUR in {category, *secondary}
        ),
        sector=sector,
        id=f"syn-{index}",
    )


def generate(n: int, seed: int = 0) -> list[Example]:
    """`n` labelled complaints; the same seed always gives the same list."""
    rng = random.Random(seed)
    categories = list(Category)
    weights = [CATEGORY_WEIGHTS[c] for c in categories]
    out: list[Example] = []
    # First one of each category, so even a tiny sample covers the whole vocabulary.
    for index in range(n):
        category = (
            categories[index]
            if index < len(categories)
            else rng.choices(categories, weights=weights)[0]
        )
        out.append(generate_one(rng, category, index))
    return out


def iter_tag_coverage(examples: list[Example]) -> Iterator[tuple[Tag, int]]:
    """How often each tag occurs, for coverage checks and reports."""
    for tag in Tag:
        yield tag, sum(tag in e.tags for e in examples)


__all__ = ["generate", "generate_one", "iter_tag_coverage"]
