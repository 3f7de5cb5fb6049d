"""Data passed between retrieval, ranking and the service: what goes in, what comes out."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from schemas.vocabulary import Action, Category, Outcome, Priority, Sector, Tag
from services.recommend.deadlines import Deadline, KeyDates

Vector = npt.NDArray[np.float32]


class TextEmbedder(Protocol):
    """What recommend needs from `services.runtime.embedding.Embedder` (fakes in tests)."""

    @property
    def version(self) -> str: ...

    @property
    def dimension(self) -> int:
        """Length of its vectors: the case base keeps one HNSW index per dimension."""
        ...

    def embed(self, texts: list[str]) -> Vector: ...


def shared_case_ref(case_id: str) -> str:
    """Stable pseudonym of another union's case: its id may carry the union's name.

    store.CASE_COLUMNS computes the same value in SQL; a test keeps them equal.
    """
    return "anon-" + hashlib.sha256(case_id.encode()).hexdigest()[:12]


class Complaint(BaseModel):
    """A triaged (or not yet triaged) complaint, as far as recommending needs it."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    union_id: str
    text: str
    sector: Sector | None = None
    category: Category | None = None  # None: inferred from the nearest cases
    secondary: tuple[Category, ...] = ()
    tags: frozenset[Tag] = frozenset()
    priority: Priority | None = None  # None: derived from the tags (docs/domain.md §4 P1 rules)
    # None: read from the text (services.recommend.dates) with `submitted_on` as "today".
    key_dates: KeyDates | None = None
    submitted_on: date | None = None
    occurred_on: date | None = None


class Neighbour(BaseModel):
    """A similar resolved case as the searching union may see it.

    Cases of other unions arrive anonymised: pseudonymous id, and no union, workplace, text or
    resolution note (`own` is False).
    """

    model_config = ConfigDict(frozen=True)

    case_id: str
    similarity: float
    sector: Sector
    category: Category
    tags: frozenset[Tag] = frozenset()
    actions_taken: tuple[Action, ...] = ()
    outcome: Outcome
    days_to_resolve: int | None = None
    own: bool = True
    union_id: str | None = None
    text: str | None = None
    resolution_note: str | None = None
    workplace: str | None = None


class RecommendedAction(BaseModel):
    action: Action
    label: str
    score: float = Field(ge=0.0, le=1.0)
    rationale: str
    evidence_to_collect: list[str] = Field(default_factory=list)
    legal_basis: list[str] = Field(default_factory=list)
    deadline: Deadline | None = None
    supporting_cases: list[str] = Field(default_factory=list)


class SimilarCase(BaseModel):
    case_id: str
    similarity: float
    category: Category
    outcome: Outcome
    own: bool


class Recommendation(BaseModel):
    complaint_id: str
    category: Category
    category_inferred: bool
    priority: Priority
    actions: list[RecommendedAction]
    similar_cases: list[SimilarCase]
    ranking_version: str
    embedding_version: str | None = None
