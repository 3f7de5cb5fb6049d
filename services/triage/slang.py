"""The slang table (`data/slang.yaml`): workers' spellings and their canonical words, checked.

Kept as data so that someone who knows how workers write, not Python, can extend it; a mistake
fails when triage loads, naming the file and the line (services/runtime/datafile.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import RootModel, StringConstraints, model_validator

from services.runtime.datafile import DataFileError, read_data_file

# One lowercase token as it appears in a message once the punctuation around it is stripped:
# letters and digits ("anak2"), inner hyphens ("phk-an"), a slash ("u/", short for "untuk").
Token = Annotated[str, StringConstraints(pattern=r"^[a-z0-9/-]+$")]
# One or more canonical lowercase words, single-spaced ("di phk").
Canonical = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?: [a-z0-9]+)*$")]
Section = Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")]


class SlangError(DataFileError):
    what = "slang table"


class SlangFile(RootModel[dict[Section, dict[Token, Canonical]]]):
    """Sections of token -> canonical words; a token belongs to one section only."""

    @model_validator(mode="after")
    def _each_token_once(self) -> SlangFile:
        seen: dict[str, str] = {}
        for section, entries in self.root.items():
            for token in entries:
                if token in seen:
                    raise ValueError(f"{token!r} is in both {seen[token]} and {section}")
                seen[token] = section
        return self

    def table(self) -> dict[str, str]:
        return {token: words for entries in self.root.values() for token, words in entries.items()}


def read_slang(path: Path) -> dict[str, str]:
    """Token -> canonical words from `path`; SlangError (file and line) if it is not usable."""
    return read_data_file(path, SlangFile, SlangError).table()
