"""Labelled complaints: what the generator produces, the evaluation reads and training consumes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.vocabulary import Category, Priority, Sector, Tag


@dataclass(frozen=True)
class Example:
    """One complaint with its gold labels (DOMAIN's labelling rules)."""

    text: str
    category: Category
    secondary: tuple[Category, ...] = ()
    tags: frozenset[Tag] = field(default_factory=frozenset)
    priority: Priority | None = None
    sector: Sector | None = None
    id: str | int | None = None
    # Who wrote it: the unit of leave-one-writer-out evaluation; None for generated text.
    writer: str | None = None

    @property
    def sector_id(self) -> str | None:
        """The sector as the classifier takes it."""
        return self.sector.value if self.sector else None


def example_from_dict(data: Mapping[str, Any]) -> Example:
    """Parse one JSON object; unknown ids raise ValueError so bad data never trains a model."""
    sector = data.get("sector")
    priority = data.get("priority")
    return Example(
        text=str(data["text"]),
        category=Category(data["category"]),
        secondary=tuple(Category(c) for c in data.get("secondary", [])),
        tags=frozenset(Tag(t) for t in data.get("tags", [])),
        priority=Priority(priority) if priority else None,
        sector=Sector(sector) if sector else None,
        id=data.get("id"),
        writer=data.get("writer"),
    )


def example_to_dict(example: Example) -> dict[str, Any]:
    return {
        "id": example.id,
        "sector": example.sector_id,
        "text": example.text,
        "category": example.category.value,
        "secondary": [c.value for c in example.secondary],
        "tags": sorted(t.value for t in example.tags),
        "priority": example.priority.value if example.priority else None,
        **({"writer": example.writer} if example.writer else {}),
    }


def load_examples(path: Path) -> list[Example]:
    """Read a labelled JSONL file (one example per line, blank lines ignored)."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                examples.append(example_from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
    return examples


def write_examples(path: Path, examples: Iterable[Example]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example_to_dict(example), ensure_ascii=False) + "\n")
