"""Helpers for tests of the data files people edit (playbook, cues, slang)."""

from __future__ import annotations

from pathlib import Path


def edited_copy(source: Path, directory: Path, old: str, new: str, *, count: int = 1) -> Path:
    """A copy of `source` in `directory` with `old` (which must occur) replaced by `new`."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = directory / source.name
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` that contains `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)
