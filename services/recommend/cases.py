"""Resolved cases as imported from JSONL, the raw material of the case base.

A case file is edited by people (union staff exporting old case books), so a bad line must not
stop an import: every error names its line and the valid lines still load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.vocabulary import Action, Category, Outcome, Sector, Tag


class ResolvedCase(BaseModel):
    """One resolved grievance: what it was about, what the union did, and how it ended."""

    # Extra keys (e.g. "synthetic") are ignored so exports from other tools still load.
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: str = Field(min_length=1, max_length=200)
    sector: Sector
    union: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1)
    category: Category
    tags: list[Tag] = Field(default_factory=list)
    actions_taken: list[Action] = Field(min_length=1)
    outcome: Outcome
    resolution_note: str = ""
    days_to_resolve: int = Field(ge=0)
    workplace: str | None = None
    resolved_at: date | datetime | None = None
    synthetic: bool = False

    def content_hash(self) -> str:
        """Fingerprint of everything stored, so a re-import can tell unchanged cases apart."""
        payload = self.model_dump(mode="json")
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based, as editors show it
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class CaseFile:
    cases: list[ResolvedCase] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "record"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_case_lines(lines: Iterable[str]) -> CaseFile:
    """Validate JSONL lines; blank lines are skipped, a repeated case_id is an error."""
    result = CaseFile()
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            case = ResolvedCase.model_validate_json(raw)
        except ValidationError as exc:
            result.errors.append(LineError(number, _describe(exc)))
            continue
        if case.case_id in first_seen:
            message = (
                f"duplicate case_id {case.case_id!r} (first on line {first_seen[case.case_id]})"
            )
            result.errors.append(LineError(number, message))
            continue
        first_seen[case.case_id] = number
        result.cases.append(case)
    return result


def iter_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


def read_cases(path: Path) -> CaseFile:
    return parse_case_lines(iter_lines(path))
