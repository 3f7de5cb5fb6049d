"""The cue patterns (`data/cues.yaml`): per category and per tag, checked against the vocabulary.

Kept as data so that an organiser who knows how workers describe a locked exit or a withheld
diploma can add a phrase without Python; a misspelt id, an expression that does not compile or
an unknown `@fragment@` fails when triage loads, naming the file and the line
(services/runtime/datafile.py). The patterns are compiled by `lexicon.py`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemas.vocabulary import Category, Tag
from services.runtime.datafile import DataFileError, read_data_file

CUES_FILE = Path(__file__).parent / "data" / "cues.yaml"
FRAGMENT = re.compile(r"@([a-z_]+)@")


def _compiles(pattern: str) -> str:
    """A fragment reference is checked with the fragments; the rest must be a valid expression."""
    try:
        re.compile(FRAGMENT.sub("(?:x)", pattern))
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


Pattern = Annotated[str, Field(min_length=1), AfterValidator(_compiles)]
Patterns = Annotated[list[Pattern], Field(min_length=1)]


class CuesError(DataFileError):
    what = "cue file"


class CuesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fragments: dict[Annotated[str, Field(pattern=r"^[a-z_]+$")], Patterns] = {}
    categories: dict[Category, Patterns]
    tags_strong: dict[Tag, Patterns]
    tags_weak: dict[Tag, Patterns]
    danger: Patterns  # danger told in words: P1 unless negated
    hazardous_work: Patterns  # work words: a child among them is in hazardous work

    @field_validator("categories", "tags_strong", "tags_weak")
    @classmethod
    def _known_fragments(
        cls, table: dict[Category | Tag, list[str]], info: ValidationInfo
    ) -> dict[Category | Tag, list[str]]:
        for key, patterns in table.items():
            _check_fragments(patterns, set(info.data.get("fragments", {})), f"{key.value} → ")
        return table

    @field_validator("danger", "hazardous_work")
    @classmethod
    def _known_list_fragments(cls, patterns: list[str], info: ValidationInfo) -> list[str]:
        _check_fragments(patterns, set(info.data.get("fragments", {})))
        return patterns

    def expanded(self, patterns: list[str]) -> list[str]:
        """The patterns with each `@fragment@` written out as one group of its alternatives."""
        groups = {name: "(" + "|".join(alts) + ")" for name, alts in self.fragments.items()}
        return [FRAGMENT.sub(lambda m: groups[m.group(1)], p) for p in patterns]


def _check_fragments(patterns: list[str], known: set[str], where: str = "") -> None:
    for n, pattern in enumerate(patterns):
        for name in FRAGMENT.findall(pattern):
            if name not in known:
                raise ValueError(f"{where}{n}: no fragment named @{name}@")


def read_cues(path: Path = CUES_FILE) -> CuesFile:
    """The cue file at `path`, validated; CuesError (file and line) if it is not usable."""
    return read_data_file(path, CuesFile, CuesError)
