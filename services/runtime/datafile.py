"""Data files people edit (YAML): read with their line numbers, validated by a pydantic model.

A union's legal officer edits the playbook, a language helper the slang table: as YAML, not
Python, so every mistake has to say where it is. A misspelt id, an unknown field, a missing entry
or a key given twice fails with `<file>:<line>: <where>: <what>`.

PyYAML's composed node tree keeps each key's position; the same tree is then constructed into
plain data (one parse), and a pydantic error's `loc` is mapped back to the line of the deepest
key or list item it names.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str, ...]


class DataFileError(ValueError):
    """A data file cannot be used; the message names the file and the line of each problem."""

    what = "data file"

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.line = problems[0][0]  # of the first problem
        self.problems = problems
        lines = [f"{path}:{line}: {what}" for line, what in problems]
        if len(problems) == 1:
            super().__init__(lines[0])
        else:
            super().__init__(
                "\n".join([f"invalid {self.what} {path}: {len(problems)} problems", *lines])
            )


def read_data_file(path: Path, model: type[M], error: type[DataFileError] = DataFileError) -> M:
    """The validated content of `path`; `error` (file and line) if it is not usable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise error(path, [(1, f"cannot read the {error.what}: {e}")]) from e
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise error(path, [(1, f"the {error.what} is empty")])
        lines = _key_lines(node, path, error)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        raise error(path, [_yaml_problem(e)]) from e
    except yaml.YAMLError as e:
        raise error(path, [(1, f"not valid YAML: {e}")]) from e
    finally:
        loader.dispose()
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(path, [_problem(problem, lines) for problem in e.errors()]) from e


def _yaml_problem(error: yaml.MarkedYAMLError) -> tuple[int, str]:
    """Where the parser stopped, and where the construct it was reading began (often the line
    to fix: an unclosed quote is only noticed lines later)."""
    mark = error.problem_mark or error.context_mark
    what = f"not valid YAML: {error.problem or error.context}"
    if error.problem and error.context and error.context_mark:
        what += f", {error.context} on line {error.context_mark.line + 1}"
    return (mark.line + 1 if mark else 1), what


def _key_lines(
    node: yaml.Node, path: Path, error: type[DataFileError], loc: Loc = ()
) -> dict[Loc, int]:
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
                raise error(path, [(line, f"{where}: given twice (first on line {seen[name]})")])
            seen[name] = line
            lines |= _key_lines(value, path, error, (*loc, name))
            lines[(*loc, name)] = line  # the key's line, where a nested value starts below it
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines |= _key_lines(item, path, error, (*loc, str(index)))
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
