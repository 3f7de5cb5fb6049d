"""The generator's phrase banks (`data/generator.yaml`): problems, modifiers, fillers, checked.

Kept as data so that someone who knows how workers write can add a phrasing or a place name
without Python. Tags, categories and sectors are the vocabulary's ids; a misspelt one, a slot the
generator cannot fill, a category without problems or a sector without fillers fails when the
generator loads, naming the file and the line (services/runtime/datafile.py).

Offline only: the generator is part of training, never of the serving path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.vocabulary import Category, Sector, Tag
from services.runtime.datafile import DataFileError, read_data_file

GENERATOR_FILE = Path(__file__).parents[1] / "data" / "generator.yaml"
# The slots `generator._Slots.fill` knows how to fill; anything else in braces is a typo.
SLOTS = frozenset(
    {"I", "sup", "hr", "company", "city", "kec", "money", "money_big", "money_small"}
    | {"money_day", "dur", "brand", "unit"}
)
SLOT = re.compile(r"\{(\w+)\}")
# The sectors complaints are generated for (`other` has no shop-floor vocabulary of its own).
SECTORS: frozenset[Sector] = frozenset({Sector.GARMENT, Sector.FOOTWEAR, Sector.PALM_OIL})

Words = Annotated[list[str], Field(min_length=1)]


def _known_slots(text: str) -> str:
    unknown = sorted(set(SLOT.findall(text)) - SLOTS)
    if unknown:
        raise ValueError(f"unknown slot {{{unknown[0]}}}: the generator fills {sorted(SLOTS)}")
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fragment(_Strict):
    """One problem statement. `who` says whose voice fits: any, woman, or none (no {I})."""

    text: Annotated[str, Field(min_length=1)]
    tags: frozenset[Tag] = frozenset()
    secondary: tuple[Category, ...] = ()
    sectors: frozenset[Sector] = SECTORS
    who: Literal["any", "woman", "none"] = "any"

    @field_validator("text")
    @classmethod
    def _slots_known(cls, text: str) -> str:
        return _known_slots(text)

    @field_validator("sectors")
    @classmethod
    def _some_sector(cls, sectors: frozenset[Sector]) -> frozenset[Sector]:
        if not sectors:
            raise ValueError("a fragment needs at least one sector (leave the field out for all)")
        if not sectors <= SECTORS:
            raise ValueError(f"complaints are generated for {sorted(s.value for s in SECTORS)}")
        return sectors


class RuleCase(Fragment):
    """A composite whose primary category a labelling rule decides."""

    category: Category


class Modifier(_Strict):
    """Sentences that add `tag` to any complaint, drawn `weight` times as often as weight 1."""

    weight: Annotated[float, Field(gt=0)]
    sentences: Words

    @field_validator("sentences")
    @classmethod
    def _slots_known(cls, sentences: list[str]) -> list[str]:
        return [_known_slots(s) for s in sentences]


class Subjects(_Strict):
    indiv: Words
    coll: Words
    third_any: Words
    third_woman: Words
    coll_woman: Words


class PhraseBanks(_Strict):
    """Everything the generator draws from, as `data/generator.yaml` lays it out."""

    problems: dict[Category, Annotated[list[Fragment], Field(min_length=1)]]
    rule_cases: list[RuleCase]
    modifiers: dict[Tag, Modifier]
    openers: Words
    closers: Words
    distractors: Words
    subjects: Subjects
    supervisors: dict[Sector, Words]
    cities: dict[Sector, Words]
    units: dict[Sector, Words]
    hr: Words
    companies: Words
    kecamatan: Words
    brands: Words
    spelling: dict[str, Words]
    code_mixing: dict[str, Words]
    english_fillers: Words
    emoji: Words

    @model_validator(mode="after")
    def _complete(self) -> PhraseBanks:
        """Every category can be a primary, and every sector has its own fillers."""
        missing = [c.value for c in Category if c not in self.problems]
        if missing:
            raise ValueError(f"problems: no fragments for {', '.join(missing)}")
        for name in ("supervisors", "cities", "units"):
            table: dict[Sector, list[str]] = getattr(self, name)
            lacking = sorted(s.value for s in SECTORS - set(table))
            if lacking:
                raise ValueError(f"{name}: no entries for {', '.join(lacking)}")
        return self


class PhraseBankError(DataFileError):
    what = "generator phrase bank"


def read_phrase_banks(path: Path = GENERATOR_FILE) -> PhraseBanks:
    """The phrase banks at `path`, validated; PhraseBankError (file and line) if not usable."""
    return read_data_file(path, PhraseBanks, PhraseBankError)
