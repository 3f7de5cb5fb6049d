"""The playbook file (`data/playbook.yaml`): read with its line numbers, checked against DOMAIN.

A union's legal officer edits the playbook as YAML, not Python, so every mistake has to say where
it is: a misspelt category or action id, an unknown field, a missing category or a key given
twice fails with `<file>:<line>: <where>: <what>`. The ids are the closed vocabularies of
`schemas/vocabulary.py` (the models use the enums), so a file that loads can only name what the
rest of the system knows.

PyYAML's composed node tree keeps each key's position; the same tree is then constructed into
plain data (one parse), and a pydantic error's `loc` is mapped back to the line of the deepest
key or list item it names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from schemas.vocabulary import Action, Category

# A text shown to officers: a YAML string (not a number or yes/no), never empty.
Text = Annotated[str, StringConstraints(min_length=1)]

Loc = tuple[str, ...]


class PlaybookError(ValueError):
    """The playbook file cannot be used; the message names the file and the line of each problem."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.line = problems[0][0]  # of the first problem
        self.problems = problems
        lines = [f"{path}:{line}: {what}" for line, what in problems]
        if len(problems) == 1:
            super().__init__(lines[0])
        else:
            super().__init__(
                "\n".join([f"invalid playbook {path}: {len(problems)} problems", *lines])
            )


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
    """The whole file: every category and every action, each exactly once."""

    categories: dict[Category, CategoryEntry]
    actions: dict[Action, ActionEntry]

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


def _require_all(
    vocabulary: Iterable[Category | Action], entries: dict[Any, Any], kind: str
) -> None:
    missing = [item.value for item in vocabulary if item not in entries]
    if missing:
        raise ValueError(f"no entry for {kind} {', '.join(missing)}: every {kind} needs one")


def read_playbook_file(path: Path) -> PlaybookFile:
    """The validated playbook in `path`; PlaybookError (file and line) if it is not usable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PlaybookError(path, [(1, f"cannot read the playbook: {e}")]) from e
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlaybookError(path, [(1, "the playbook is empty")])
        lines = _key_lines(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        raise PlaybookError(path, [_yaml_problem(e)]) from e
    except yaml.YAMLError as e:
        raise PlaybookError(path, [(1, f"not valid YAML: {e}")]) from e
    finally:
        loader.dispose()
    try:
        return PlaybookFile.model_validate(data)
    except ValidationError as e:
        raise PlaybookError(path, [_problem(error, lines) for error in e.errors()]) from e


def _yaml_problem(error: yaml.MarkedYAMLError) -> tuple[int, str]:
    """Where the parser stopped, and where the construct it was reading began (often the line
    to fix: an unclosed quote is only noticed lines later)."""
    mark = error.problem_mark or error.context_mark
    what = f"not valid YAML: {error.problem or error.context}"
    if error.problem and error.context and error.context_mark:
        what += f", {error.context} on line {error.context_mark.line + 1}"
    return (mark.line + 1 if mark else 1), what


def _key_lines(node: yaml.Node, path: Path, loc: Loc = ()) -> dict[Loc, int]:
    """1-based line of every mapping key and list item under `node`, by its path from the root.

    A key given twice is an error here: PyYAML would silently keep the last one.
    """
    lines: dict[Loc, int] = {loc: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name, line = str(key.value), key.start_mark.line + 1
            if name in seen:
                where = " → ".join((*loc, name))
                raise PlaybookError(
                    path, [(line, f"{where}: given twice (first on line {seen[name]})")]
                )
            seen[name] = line
            lines |= _key_lines(value, path, (*loc, name))
            lines[(*loc, name)] = line  # the key's line, where a nested value starts below it
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines |= _key_lines(item, path, (*loc, str(index)))
    return lines


def _problem(error: Any, lines: dict[Loc, int]) -> tuple[int, str]:
    """(line, message) for one pydantic error: the line of the deepest key or item it names."""
    loc = tuple(str(part) for part in error["loc"] if part != "[key]")
    found = next(loc[:n] for n in range(len(loc), -1, -1) if loc[:n] in lines)
    where = " → ".join(loc) or "top level"
    return lines[found], f"{where}: {_message(error)}"


def _message(error: Any) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "enum":
        known = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        close = difflib.get_close_matches(str(given), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; known ids: {', '.join(known)}"
        return f"unknown id '{given}'{hint}"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling; the fields are described at the top of the file)"
    if kind == "missing":
        return "this field is required"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "string_type":
        return f"must be a text, got {given!r} (put it in double quotes)"
    return str(error["msg"])
