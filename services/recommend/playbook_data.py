"""The playbook file (`data/playbook.yaml`): read with its line numbers, checked against DOMAIN.

A union's legal officer edits the playbook as YAML, not Python, so every mistake has to say where
it is: a misspelt category or action id, an unknown field, a missing category or a key given
twice fails with `<file>:<line>: <where>: <what>`. The ids are the closed vocabularies of
`schemas/vocabulary.py` (the models use the enums), so a file that loads can only name what the
rest of the system knows.

Reading and line numbers: `services/runtime/datafile.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from schemas.vocabulary import Action, Category
from services.recommend.deadlines import DeadlineRule, DeadlineTerm
from services.runtime.datafile import DataFileError, read_data_file

# A text shown to officers: a YAML string (not a number or yes/no), never empty.
Text = Annotated[str, StringConstraints(min_length=1)]


class PlaybookError(DataFileError):
    """The playbook file cannot be used; the message names the file and the line of each problem."""

    what = "playbook"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryEntry(_Strict):
    """One category of docs/domain.md §5.4."""

    first_actions: tuple[Action, ...] = Field(min_length=1)
    evidence: tuple[Text, ...] = Field(min_length=1)
    time_norms: Text
    legal_basis: tuple[Text, ...]

    @field_validator("first_actions")
    @classmethod
    def _each_once(cls, actions: tuple[Action, ...]) -> tuple[Action, ...]:
        twice = sorted({a.value for a in actions if actions.count(a) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return actions


class ActionEntry(_Strict):
    """One action of docs/domain.md §5.1; `evidence` empty: the category's evidence list applies."""

    legal_refs: tuple[Text, ...]
    evidence: tuple[Text, ...] = ()


class PlaybookFile(_Strict):
    """The whole file: every category, action and legal deadline rule, each exactly once."""

    categories: dict[Category, CategoryEntry]
    actions: dict[Action, ActionEntry]
    deadlines: dict[DeadlineRule, DeadlineTerm]

    @field_validator("categories")
    @classmethod
    def _every_category(
        cls, entries: dict[Category, CategoryEntry]
    ) -> dict[Category, CategoryEntry]:
        _require_all(Category, entries, "category")
        return entries

    @field_validator("actions")
    @classmethod
    def _every_action(cls, entries: dict[Action, ActionEntry]) -> dict[Action, ActionEntry]:
        _require_all(Action, entries, "action")
        return entries

    @field_validator("deadlines")
    @classmethod
    def _every_rule(
        cls, entries: dict[DeadlineRule, DeadlineTerm]
    ) -> dict[DeadlineRule, DeadlineTerm]:
        _require_all(DeadlineRule, entries, "deadline rule")
        return entries


def _require_all(
    vocabulary: Iterable[Category | Action | DeadlineRule], entries: dict[Any, Any], kind: str
) -> None:
    missing = [item.value for item in vocabulary if item not in entries]
    if missing:
        raise ValueError(f"no entry for {kind} {', '.join(missing)}: every {kind} needs one")


def read_playbook_file(path: Path) -> PlaybookFile:
    """The validated playbook in `path`; PlaybookError (file and line) if it is not usable."""
    return read_data_file(path, PlaybookFile, PlaybookError)
