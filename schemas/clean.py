"""One rule for control characters, applied wherever text enters Aduan (HTTP bodies, events).

PostgreSQL cannot store NUL in `text` or `jsonb`, and a lone surrogate is not UTF-8 at all: such a
value accepted at the edge failed later, as a 500 or as an event dead-lettered by one service
while another had already acted on it. Other control characters (ESC, backspace, C1 codes) are
never part of a worker's message and only hide text from the officer reading it. Tab, line feed
and carriage return are ordinary text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, model_validator

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible characters a phone keyboard or a copy-paste leaves in text: they change no word a
# reader sees, but split the words a classifier and a search index see.
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def normalise_text(text: str) -> str:
    """A worker's words in one canonical form: NFKC (full-width letters, ligatures, composed
    accents) without zero-width characters."""
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))


def printable(text: str, limit: int = 200) -> str:
    """`text` safe to put in an error that names what was wrong: control characters shown as
    "?" and cut at `limit` (a field path can hold a client's own dictionary keys)."""
    cleaned = CONTROL_CHARACTERS.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def visible_length(text: str) -> int:
    """How many characters of `text` a reader sees (whitespace and zero-width ones excluded)."""
    return len("".join(ZERO_WIDTH.sub("", text).split()))


_MAY_HOLD_TEXT = (str, dict, list, tuple)


def first_control_character(value: Any, path: str = "") -> tuple[str, str] | None:
    """Where the first control character in `value` (strings, nested lists and dicts) is, and
    which one; None when there is none. Dict keys are field names, checked by the model."""
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        return (path, found.group()) if found else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        # Numbers are most of an event (an embedding is 512 of them): skip them before
        # building a path, which made this walk most of the cost of parsing a triaged event.
        if isinstance(item, _MAY_HOLD_TEXT):
            found_in = first_control_character(item, f"{path}.{key}" if path else str(key))
            if found_in is not None:
                return found_in
    return None


def refuse_control_characters(data: Any) -> Any:
    """`data` unchanged, or a ValueError naming the field and the character (never the value)."""
    found = first_control_character(data)
    if found is not None:
        where, character = found
        raise ValueError(
            f"{where or 'the value'} contains the control character U+{ord(character):04X};"
            " remove it"
        )
    return data


class NoControlCharacters(BaseModel):
    """A request model that refuses control characters in any string it is given."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_control_characters(cls, data: Any) -> Any:
        return refuse_control_characters(data)
