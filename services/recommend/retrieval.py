"""Similar-case search with the sharing rules between unions.

A union always searches its own resolved cases. Another union's cases are searched only when that
union opted in (`share_cases`), and then come back anonymised: a pseudonymous id, no union, no
workplace or employer, no complaint text and no resolution note, because those can identify a
worker or tip off an employer. Cases of the complaint's sector rank first (a small similarity
boost, not a filter, so a rare footwear problem can still learn from a garment case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import asyncpg
import numpy as np

from schemas.vocabulary import Sector
from services.recommend.cases import LineError, ResolvedCase, read_cases
from services.recommend.models import Neighbour, TextEmbedder, Vector, shared_case_ref
from services.recommend.store import pgvector_supports_iterative_scan, search_cases

# Enough to lift a same-sector case over a slightly closer case of another sector, not enough to
# lift an unrelated one over a truly similar case.
SECTOR_BOOST = 0.05
DEFAULT_K = 10


class CaseIndex(Protocol):
    async def search(
        self, vector: Vector, *, union_id: str, k: int = DEFAULT_K, sector: Sector | None = None
    ) -> list[Neighbour]: ...


def rank_key(similarity: float, case_sector: Sector, sector: Sector | None) -> float:
    return similarity + (SECTOR_BOOST if sector is not None and case_sector == sector else 0.0)


def boost_sector(neighbours: Sequence[Neighbour], sector: Sector | None, k: int) -> list[Neighbour]:
    ordered = sorted(neighbours, key=lambda n: -rank_key(n.similarity, n.sector, sector))
    return ordered[:k]


def to_neighbour(case: ResolvedCase, similarity: float, *, own: bool) -> Neighbour:
    """The view of `case` a searching union may see (anonymised unless `own`)."""
    common = {
        "similarity": float(similarity),
        "sector": case.sector,
        "category": case.category,
        "tags": frozenset(case.tags),
        "actions_taken": tuple(case.actions_taken),
        "outcome": case.outcome,
        "days_to_resolve": case.days_to_resolve,
    }
    if not own:
        return Neighbour(case_id=shared_case_ref(case.case_id), own=False, **common)
    return Neighbour(
        case_id=case.case_id,
        own=True,
        union_id=case.union,
        text=case.text,
        resolution_note=case.resolution_note,
        workplace=case.workplace,
        **common,
    )


class InMemoryCaseIndex:
    """Exact cosine search over a case file held in memory (CLI, tests, small deployments).

    `sharing` maps union id → share_cases. Without it the whole file counts as the caller's own
    (an operator evaluating a local file), so nothing is anonymised.
    """

    def __init__(
        self,
        cases: Sequence[ResolvedCase],
        vectors: Vector,
        *,
        sharing: Mapping[str, bool] | None = None,
        embedding_version: str | None = None,
    ) -> None:
        if len(cases) != len(vectors):
            raise ValueError(f"{len(cases)} cases but {len(vectors)} vectors")
        self.cases = list(cases)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.sharing = sharing
        self.embedding_version = embedding_version

    @classmethod
    def from_cases(
        cls,
        cases: Sequence[ResolvedCase],
        embedder: TextEmbedder,
        *,
        sharing: Mapping[str, bool] | None = None,
    ) -> InMemoryCaseIndex:
        vectors = embedder.embed([case.text for case in cases])
        return cls(cases, vectors, sharing=sharing, embedding_version=embedder.version)

    @classmethod
    def from_jsonl(
        cls, path: Path, embedder: TextEmbedder, *, sharing: Mapping[str, bool] | None = None
    ) -> tuple[InMemoryCaseIndex, list[LineError]]:
        loaded = read_cases(path)
        return cls.from_cases(loaded.cases, embedder, sharing=sharing), loaded.errors

    def _visibility(self, union_id: str) -> list[tuple[int, bool]]:
        """(row, own) for every case the union may see."""
        if self.sharing is None:
            return [(i, True) for i in range(len(self.cases))]
        visible = []
        for i, case in enumerate(self.cases):
            own = case.union == union_id
            if own or self.sharing.get(case.union, False):
                visible.append((i, own))
        return visible

    def search_sync(
        self, vector: Vector, *, union_id: str, k: int = DEFAULT_K, sector: Sector | None = None
    ) -> list[Neighbour]:
        visible = self._visibility(union_id)
        if not visible or k <= 0:
            return []
        rows = np.fromiter((i for i, _ in visible), dtype=np.int64)
        # Unit vectors: the dot product is the cosine similarity.
        similarities = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        neighbours = [
            to_neighbour(self.cases[i], float(sim), own=own)
            for (i, own), sim in zip(visible, similarities, strict=True)
        ]
        return boost_sector(neighbours, sector, k)

    async def search(
        self, vector: Vector, *, union_id: str, k: int = DEFAULT_K, sector: Sector | None = None
    ) -> list[Neighbour]:
        return self.search_sync(vector, union_id=union_id, k=k, sector=sector)


class PgCaseIndex:
    """pgvector HNSW (cosine) search over `recommend.cases` of one embedding version.

    Only vectors made by the same model version are compared: mixing versions would return
    nonsense similarities after a model change, before the re-embedding has finished.
    """

    def __init__(self, pool: asyncpg.Pool, embedding_version: str, *, oversample: int = 4) -> None:
        self.pool = pool
        self.embedding_version = embedding_version
        # Fetch more than k so the sector boost can reorder, as the index sorts by raw distance.
        self.oversample = oversample
        self._iterative_scan: bool | None = None  # pgvector >= 0.8, asked once

    async def search(
        self, vector: Vector, *, union_id: str, k: int = DEFAULT_K, sector: Sector | None = None
    ) -> list[Neighbour]:
        if k <= 0:
            return []
        limit = max(k * self.oversample, k)
        async with self.pool.acquire() as conn:
            if self._iterative_scan is None:
                self._iterative_scan = await pgvector_supports_iterative_scan(conn)
            neighbours = await search_cases(
                conn,
                vector,
                union_id=union_id,
                embedding_version=self.embedding_version,
                limit=limit,
                iterative_scan=self._iterative_scan,
            )
        return boost_sector(neighbours, sector, k)
