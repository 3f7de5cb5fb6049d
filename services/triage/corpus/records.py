"""One labelled complaint of the writers' corpus, validated against the vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.vocabulary import Action, Category, Priority, Sector, Tag


class CorpusError(ValueError):
    """A corpus line that breaks the contract; the message names file and line."""


class CorpusRecord(BaseModel):
    """A complaint as its writer wrote and labelled it (BRIEF.md explains every field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    writer: str = Field(min_length=1)
    sector: Sector
    text: str = Field(min_length=1)
    category: Category
    secondary: tuple[Category, ...] = Field(default=(), max_length=2)
    tags: tuple[Tag, ...] = ()
    priority: Priority
    actions: tuple[Action, ...] = Field(min_length=1, max_length=5)
    hard_negative: bool = False

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is blank")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> CorpusRecord:
        if self.category in self.secondary:
            raise ValueError("the primary category is repeated in secondary")
        for name, values in (("secondary", self.secondary), ("tags", self.tags)):
            if len(set(values)) != len(values):
                raise ValueError(f"{name} has duplicates")
        if len(set(self.actions)) != len(self.actions):
            raise ValueError("actions has duplicates")
        return self


def read_corpus_file(path: Path) -> list[CorpusRecord]:
    """Every record of one JSONL file, or CorpusError naming the first bad line."""
    records: list[CorpusRecord] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = CorpusRecord.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise CorpusError(f"{path}:{number}: {exc}") from exc
            if record.id in seen:
                raise CorpusError(f"{path}:{number}: id {record.id!r} appears twice")
            seen.add(record.id)
            records.append(record)
    return records
