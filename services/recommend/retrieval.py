"""Similar-case search with the sharing rules between unions.

A union always searches its own resolved cases. Another union's cases are searched only when that
union opted in (`share_cases`), and then come back anonymised: a pseudonymous id, no union, no
workplace or employer, no complaint text and no resolution note, because those can identify a
worker or tip off an employer. Cases of the complaint's sector rank first (a small similarity
boost, not a filter, so a rare footwear problem can still learn from a garment case).

Hybrid retrieval (`hybrid=True`) adds a lexical ranking, BM25 over lower-cased word tokens with
the workers' spelling variants (triage's normalize.py) expanded in the query, and fuses it with
the vector ranking by
reciprocal-rank fusion (RRF). The fused score only decides *which* cases come back and in what
order: `Neighbour.similarity` stays the cosine similarity, which the ranking's relevance
threshold is calibrated on. In-memory and PostgreSQL compute the same BM25 (same tokeniser, same
formula, statistics over all cases of the index / embedding version).

Category-aware retrieval (`labels` given, the default for triaged complaints): the nearest cases
of all and the nearest of the complaint's category (a filtered vector search), ordered by
similarity plus agreement with the triage labels (rerank.py). Both indexes build the same
candidate lists and order them alike. It asks no lexical search, hybrid or not: with the
category filter in, BM25's two lists (all cases, the category's) moved no pooled figure of
`aduan recommend eval --by-writer` by more than 0.001 (32 writers, gold labels and triage's),
yet cost recommend more database time than both vector searches together.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import asyncpg
import numpy as np
import numpy.typing as npt

from schemas.vocabulary import Sector
from services.recommend.cases import LineError, ResolvedCase, read_cases
from services.recommend.models import Neighbour, TextEmbedder, Vector, shared_case_ref
from services.recommend.rerank import CATEGORY_CANDIDATES, TriageLabels, rerank
from services.recommend.store import (
    open_search_pool,
    pgvector_supports_iterative_scan,
    search_cases,
    search_cases_by_terms,
    search_settings,
)

# Enough to lift a same-sector case over a slightly closer case of another sector, not enough to
# lift an unrelated one over a truly similar case.
SECTOR_BOOST = 0.05
DEFAULT_K = 10

# Hybrid retrieval: each ranking contributes its best HYBRID_CANDIDATES cases to the fusion.
HYBRID_CANDIDATES = 50
# The searches a search pool's connections are set up for: a triaged complaint's two (and a
# hybrid search's vector half, when k is the default).
SEARCH_POOL_LIMIT = CATEGORY_CANDIDATES
SEARCH_POOL_SETTINGS = search_settings(SEARCH_POOL_LIMIT)
RRF_K = 60  # the usual RRF constant: rank r contributes 1 / (RRF_K + r)
BM25_K1, BM25_B = 1.2, 0.75
# Hybrid is the default: on the 40 labelled examples (schemas/examples) it raised category
# precision@5 of the
# retrieved cases from 0.36 to 0.575 with the default MiniLM model (`aduan recommend eval`).
HYBRID_DEFAULT = True
# Category-aware is the default whenever the complaint was triaged (`aduan recommend eval`
# reports it beside plain and hybrid, with gold labels and with triage's own output).
CATEGORY_AWARE_DEFAULT = True

# Spelling variants and informal forms: a query token of a group also looks for the
# others, so "brondol" finds "berondolan" and "gak" finds "tidak". Kept to whole-word variants;
# no stemming.
SPELLING_VARIANTS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "gk ga gak nggak tdk tidak",
        "udh sdh udah sudah",
        "blm belum",
        "krn karna karena",
        "emplasmen emplasemen",
        "brondol brondolan berondolan",
        "gramoxone gramaxone paraquat",
        "phk diphk",
        "jamsostek bpjamsostek bpjs",
        "pesangon pesangonan",
        "lembur lemburan",
        "spv supervisor",
        "thn taun tahun",
        "bln bulan",
        "kmrn kemarin",
        "skrg sekarang",
    )
)
_VARIANTS: dict[str, frozenset[str]] = {w: g for g in SPELLING_VARIANTS for w in g}
# Function words a query leaves out: "di" is in 70% of complaints, "ada", "ke", "yang", "saya"
# in a quarter to two fifths, so their BM25 weight is near zero, yet each one made the lexical
# search read most of the case base (3.5 of recommend's ~6 ms of database time per complaint
# on the starter cases). Only words that never say what happened are left out: negation, time
# words, kin ("ibu" is also a mother) and every noun and verb stay, however common ("kerja",
# "gaji"). Measured leave one writer out: the default's nDCG@3 and P1 first action unchanged,
# hybrid's category precision@5 0.692 -> 0.696.
QUERY_STOPWORDS = frozenset(
    word
    for line in (
        "di ke dari dan yang yg ini itu ada adalah akan pada untuk utk dgn dengan dalam oleh",
        "saya sy aku aq gw gue kami kita kamu dia mereka kalian beliau nya",
        "mau bisa sudah udah udh sdh sama cuma hanya jadi jd lalu terus trus juga jg aja saja",
        "kalau kalo klo tapi tp tetapi karena karna krn apa ya yah lah kah pun deh sih dong kok",
        "masih lagi lg sangat banget bgt sekali atau atas bagi seperti kayak kaya begitu gitu",
        "sampai sampe para si eh tuh nih kan",
    )
    for word in line.split()
)
_TOKEN = re.compile(r"[^\W_]+")


class CaseIndex(Protocol):
    async def search(
        self,
        vector: Vector,
        *,
        union_id: str,
        k: int = DEFAULT_K,
        sector: Sector | None = None,
        text: str | None = None,
        labels: TriageLabels | None = None,
    ) -> list[Neighbour]:
        """Nearest cases to `vector`; a hybrid index also ranks `text` lexically, and `labels`
        (what triage said) make the search category-aware."""
        ...


def rank_key(similarity: float, case_sector: Sector, sector: Sector | None) -> float:
    return similarity + (SECTOR_BOOST if sector is not None and case_sector == sector else 0.0)


def boost_sector(neighbours: Sequence[Neighbour], sector: Sector | None, k: int) -> list[Neighbour]:
    ordered = sorted(neighbours, key=lambda n: -rank_key(n.similarity, n.sector, sector))
    return ordered[:k]


def nearest(neighbours: Sequence[Neighbour], n: int) -> list[Neighbour]:
    """The `n` most similar (ties: case id)."""
    return sorted(neighbours, key=lambda nb: (-nb.similarity, nb.case_id))[:n]


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


def tokenize(text: str) -> list[str]:
    """Lower-cased runs of letters and digits (migration 003's `recommend.lexical_text`)."""
    return _TOKEN.findall(text.lower())


def query_terms(text: str) -> list[str]:
    """The distinct lexical terms of a query, spelling variants included, in a stable order."""
    terms: dict[str, None] = {}
    for token in tokenize(text):
        if token in QUERY_STOPWORDS:  # its spelling variants are function words too
            continue
        for term in sorted(_VARIANTS.get(token, frozenset({token}))):
            terms[term] = None
    return list(terms)


def bm25_idf(n_docs: int, df: int) -> float:
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def bm25_term(tf: int, doc_len: int, avg_len: float, idf: float) -> float:
    norm = 1.0 - BM25_B + BM25_B * (doc_len / avg_len if avg_len > 0 else 0.0)
    return idf * tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm)


class Bm25:
    """BM25 statistics of a fixed set of documents (the texts of an in-memory case index).

    Held as postings (term → documents and term frequencies), so a query touches only the
    documents that share a term with it and each term is scored for all of them at once.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        counts = [Counter(tokenize(text)) for text in texts]
        lengths = [sum(c.values()) for c in counts]
        self.n_docs = len(counts)
        self.avg_len = sum(lengths) / len(lengths) if lengths else 0.0
        ratio = np.asarray(lengths, dtype=np.float64)
        ratio = ratio / self.avg_len if self.avg_len > 0 else np.zeros_like(ratio)
        # bm25_term's length normalisation, the same operations in the same order.
        self._norm = 1.0 - BM25_B + BM25_B * ratio
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, doc in enumerate(counts):
            for term, tf in doc.items():
                rows, tfs = postings.setdefault(term, ([], []))
                rows.append(row)
                tfs.append(tf)
        self._postings = {
            term: (np.asarray(rows, dtype=np.int64), np.asarray(tfs, dtype=np.float64))
            for term, (rows, tfs) in postings.items()
        }
        self.df: Counter[str] = Counter({t: len(rows) for t, (rows, _) in postings.items()})

    def score_all(self, text: str) -> npt.NDArray[np.float64]:
        """BM25 of `text` for every document (0 for those sharing no term with it).

        Each document's terms are added in query-term order, as `bm25_term` sums them.
        """
        out = np.zeros(self.n_docs, dtype=np.float64)
        for term in query_terms(text):
            found = self._postings.get(term)
            if found is None:
                continue
            rows, tf = found
            idf = bm25_idf(self.n_docs, len(rows))
            out[rows] += idf * tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * self._norm[rows])
        return out

    def scores(self, text: str, rows: Iterable[int]) -> dict[int, float]:
        """BM25 of `text` for each of `rows` that shares a term with it (others are left out)."""
        scores = self.score_all(text)
        return {row: float(scores[row]) for row in rows if scores[row] > 0}


def rrf_fuse(*rankings: Sequence[str]) -> dict[str, float]:
    """Reciprocal-rank fusion: each ranking (best first) adds 1 / (RRF_K + rank) to a key."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def fuse_neighbours(
    by_vector: Sequence[Neighbour],
    by_lexical: Sequence[Neighbour],
    sector: Sector | None,
    k: int,
) -> list[Neighbour]:
    """Top `k` of the RRF fusion of two candidate lists (each best first, keyed by case_id).

    The vector list is ordered with the sector boost, as plain search orders it; ties in the
    fused score go to the higher boosted similarity, then the case id.
    """
    # Ties (equal up to float noise between numpy and pgvector) go by case id, so that the
    # in-memory and PostgreSQL paths fuse the same ranks.
    vector_order = sorted(
        by_vector, key=lambda n: (-round(rank_key(n.similarity, n.sector, sector), 6), n.case_id)
    )
    fused = rrf_fuse([n.case_id for n in vector_order], [n.case_id for n in by_lexical])
    pool = {n.case_id: n for n in [*by_lexical, *vector_order]}
    ordered = sorted(
        pool.values(),
        key=lambda n: (-fused[n.case_id], -rank_key(n.similarity, n.sector, sector), n.case_id),
    )
    return ordered[:k]


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
        hybrid: bool = HYBRID_DEFAULT,
        category_aware: bool = CATEGORY_AWARE_DEFAULT,
    ) -> None:
        if len(cases) != len(vectors):
            raise ValueError(f"{len(cases)} cases but {len(vectors)} vectors")
        self.cases = list(cases)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.sharing = sharing
        self.embedding_version = embedding_version
        # The defaults of `search`; each call may override them.
        self.hybrid = hybrid
        self.category_aware = category_aware
        self._bm25: Bm25 | None = None  # built on the first hybrid search
        self._all_rows = np.arange(len(self.cases), dtype=np.int64)
        self._categories = np.asarray([case.category.value for case in self.cases], dtype=object)
        self._sectors = np.asarray([case.sector.value for case in self.cases], dtype=object)

    @classmethod
    def from_cases(
        cls,
        cases: Sequence[ResolvedCase],
        embedder: TextEmbedder,
        *,
        sharing: Mapping[str, bool] | None = None,
        hybrid: bool = HYBRID_DEFAULT,
        category_aware: bool = CATEGORY_AWARE_DEFAULT,
    ) -> InMemoryCaseIndex:
        vectors = embedder.embed([case.text for case in cases])
        return cls(
            cases,
            vectors,
            sharing=sharing,
            embedding_version=embedder.version,
            hybrid=hybrid,
            category_aware=category_aware,
        )

    @classmethod
    def from_jsonl(
        cls,
        path: Path,
        embedder: TextEmbedder,
        *,
        sharing: Mapping[str, bool] | None = None,
        hybrid: bool = HYBRID_DEFAULT,
    ) -> tuple[InMemoryCaseIndex, list[LineError]]:
        loaded = read_cases(path)
        index = cls.from_cases(loaded.cases, embedder, sharing=sharing, hybrid=hybrid)
        return index, loaded.errors

    def with_hybrid(
        self, hybrid: bool, *, category_aware: bool = CATEGORY_AWARE_DEFAULT
    ) -> InMemoryCaseIndex:
        """The same cases and vectors (not copied), with other search defaults."""
        twin = InMemoryCaseIndex(
            self.cases,
            self.vectors,
            sharing=self.sharing,
            embedding_version=self.embedding_version,
            hybrid=hybrid,
            category_aware=category_aware,
        )
        twin._bm25 = self._bm25
        return twin

    @property
    def bm25(self) -> Bm25:
        if self._bm25 is None:
            self._bm25 = Bm25(case.text for case in self.cases)
        return self._bm25

    def _visibility(self, union_id: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """The rows of every case the union may see, and whether each is its own."""
        if self.sharing is None:
            return self._all_rows, np.ones(len(self.cases), dtype=np.bool_)
        rows, own = [], []
        for i, case in enumerate(self.cases):
            mine = case.union == union_id
            if mine or self.sharing.get(case.union, False):
                rows.append(i)
                own.append(mine)
        return np.asarray(rows, dtype=np.int64), np.asarray(own, dtype=np.bool_)

    def search_sync(
        self,
        vector: Vector,
        *,
        union_id: str,
        k: int = DEFAULT_K,
        sector: Sector | None = None,
        text: str | None = None,
        hybrid: bool | None = None,
        labels: TriageLabels | None = None,
        category_aware: bool | None = None,
    ) -> list[Neighbour]:
        rows, own = self._visibility(union_id)
        if not len(rows) or k <= 0:
            return []
        # Unit vectors: the dot product is the cosine similarity.
        similarities = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        view = _Visible(self, rows, own, similarities)
        everyone = np.arange(len(rows))
        aware = self.category_aware if category_aware is None else category_aware
        if aware and labels is not None:
            n = max(CATEGORY_CANDIDATES, k)
            inside = np.flatnonzero(self._categories[rows] == labels.category.value)
            # Nearest by raw similarity, as the HNSW walk returns them; rerank adds the boosts.
            return rerank(
                [*view.nearest(everyone, n), *view.nearest(inside, n)],
                labels,
                sector,
                k,
                sector_boost=SECTOR_BOOST,
            )
        lexical = (self.hybrid if hybrid is None else hybrid) and bool(text)
        if not lexical or not text:
            return view.boosted(everyone, sector, k)
        n = max(HYBRID_CANDIDATES, k)
        by_vector = view.boosted(everyone, sector, n)
        by_lexical = view.by_lexical(self.bm25.score_all(text), everyone, n)
        return fuse_neighbours(by_vector, by_lexical, sector, k)

    async def search(
        self,
        vector: Vector,
        *,
        union_id: str,
        k: int = DEFAULT_K,
        sector: Sector | None = None,
        text: str | None = None,
        hybrid: bool | None = None,
        labels: TriageLabels | None = None,
        category_aware: bool | None = None,
    ) -> list[Neighbour]:
        return self.search_sync(
            vector,
            union_id=union_id,
            k=k,
            sector=sector,
            text=text,
            hybrid=hybrid,
            labels=labels,
            category_aware=category_aware,
        )


class _Visible:
    """One search's view of an in-memory index: the visible rows and their similarities.

    A `Neighbour` is made only for the cases a candidate list may contain. Each list first
    keeps, with numpy, the positions whose key reaches the n-th best (ties and a hair below
    included), then orders those exactly as the functions above order the full list: same
    keys, same tie-breaks, so the same cases in the same order.
    """

    # Keys within this of the n-th best stay candidates: numpy's keys and the Python ones
    # are the same floats, and the margin only makes the kept set larger.
    MARGIN = 1e-9

    def __init__(
        self,
        index: InMemoryCaseIndex,
        rows: npt.NDArray[np.int64],
        own: npt.NDArray[np.bool_],
        similarities: npt.NDArray[np.float32],
    ) -> None:
        self.index = index
        self.rows = rows
        self.own = own
        self.similarities = similarities
        self._made: dict[int, Neighbour] = {}

    def at(self, position: int) -> Neighbour:
        found = self._made.get(position)
        if found is None:
            case = self.index.cases[int(self.rows[position])]
            similarity = float(self.similarities[position])
            found = to_neighbour(case, similarity, own=bool(self.own[position]))
            self._made[position] = found
        return found

    def _best(
        self, keys: npt.NDArray[np.float64], positions: npt.NDArray[np.intp], n: int
    ) -> list[int]:
        """The positions (in their order) whose key may be among the `n` largest."""
        if len(positions) > n:
            threshold = np.partition(keys, len(keys) - n)[len(keys) - n]
            positions = positions[keys >= threshold - self.MARGIN]
        return [int(p) for p in positions]

    def nearest(self, positions: npt.NDArray[np.intp], n: int) -> list[Neighbour]:
        keys = self.similarities[positions].astype(np.float64)
        return nearest([self.at(p) for p in self._best(keys, positions, n)], n)

    def boosted(
        self, positions: npt.NDArray[np.intp], sector: Sector | None, n: int
    ) -> list[Neighbour]:
        keys = self.similarities[positions].astype(np.float64)
        if sector is not None:
            same = self.index._sectors[self.rows[positions]] == sector.value
            keys = keys + np.where(same, SECTOR_BOOST, 0.0)
        return boost_sector([self.at(p) for p in self._best(keys, positions, n)], sector, n)

    def by_lexical(
        self, scores: npt.NDArray[np.float64], positions: npt.NDArray[np.intp], n: int
    ) -> list[Neighbour]:
        """The `n` positions with the best BM25 (ties: case id); no shared term, no candidate."""
        mine = scores[self.rows[positions]]
        shared = mine > 0
        kept = self._best(mine[shared], positions[shared], n)
        cases = self.index.cases
        best = sorted(
            kept,
            key=lambda p: (-float(scores[self.rows[p]]), cases[int(self.rows[p])].case_id),
        )
        return [self.at(p) for p in best[:n]]


class PgCaseIndex:
    """pgvector HNSW (cosine) search over `recommend.cases` of one embedding version.

    Only vectors made by the same model version are compared: mixing versions would return
    nonsense similarities after a model change, before the re-embedding has finished.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        embedding_version: str,
        *,
        oversample: int = 4,
        hybrid: bool = HYBRID_DEFAULT,
        category_aware: bool = CATEGORY_AWARE_DEFAULT,
        search_pool: asyncpg.Pool | None = None,
    ) -> None:
        self.pool = pool
        # Optional, from `open_case_search_pool`: vector searches of SEARCH_POOL_LIMIT cases run
        # there in one round trip each.
        self.search_pool = search_pool
        self.embedding_version = embedding_version
        # The defaults of `search`; each call may override them.
        self.hybrid = hybrid
        self.category_aware = category_aware
        # Fetch more than k so the sector boost can reorder, as the index sorts by raw distance.
        self.oversample = oversample
        self._iterative_scan: bool | None = None  # pgvector >= 0.8, asked once

    async def search(
        self,
        vector: Vector,
        *,
        union_id: str,
        k: int = DEFAULT_K,
        sector: Sector | None = None,
        text: str | None = None,
        hybrid: bool | None = None,
        labels: TriageLabels | None = None,
        category_aware: bool | None = None,
    ) -> list[Neighbour]:
        if k <= 0:
            return []
        aware = self.category_aware if category_aware is None else category_aware
        if self._iterative_scan is None:
            async with self.pool.acquire() as conn:
                self._iterative_scan = await pgvector_supports_iterative_scan(conn)
        if aware and labels is not None:
            candidates = await self._category_candidates(vector, union_id, k, labels)
            return rerank(candidates, labels, sector, k, sector_boost=SECTOR_BOOST)
        lexical = (self.hybrid if hybrid is None else hybrid) and bool(text)
        limit = max(k * self.oversample, k, HYBRID_CANDIDATES if lexical else 0)
        if not lexical or text is None:
            return boost_sector(await self._vector(vector, union_id, limit), sector, k)
        by_vector, by_lexical = await asyncio.gather(
            self._vector(vector, union_id, limit),
            self._lexical(vector, text, union_id, max(HYBRID_CANDIDATES, k)),
        )
        by_vector = boost_sector(by_vector, sector, max(HYBRID_CANDIDATES, k))
        return fuse_neighbours(by_vector, by_lexical, sector, k)

    async def _category_candidates(
        self,
        vector: Vector,
        union_id: str,
        k: int,
        labels: TriageLabels,
    ) -> list[Neighbour]:
        """The same candidate lists as InMemoryCaseIndex: the nearest max(CATEGORY_CANDIDATES,
        k) of all cases and of the category's.

        The two searches are independent, so each runs on its own pooled connection at the same
        time: a complaint waits for the slower one, not for their sum.
        """
        n = max(CATEGORY_CANDIDATES, k)
        everywhere, in_category = await asyncio.gather(
            self._vector(vector, union_id, n),
            self._vector(vector, union_id, n, labels.category.value),
        )
        return [*everywhere, *in_category]

    async def _vector(
        self, vector: Vector, union_id: str, limit: int, category: str | None = None
    ) -> list[Neighbour]:
        pool, preset = self.pool, None
        if self.search_pool is not None:
            pool, preset = self.search_pool, SEARCH_POOL_SETTINGS
        async with pool.acquire() as conn:
            return await search_cases(
                conn,
                vector,
                union_id=union_id,
                embedding_version=self.embedding_version,
                limit=limit,
                iterative_scan=bool(self._iterative_scan),
                category=category,
                preset=preset,
            )

    async def _lexical(
        self, vector: Vector, text: str, union_id: str, limit: int
    ) -> list[Neighbour]:
        async with self.pool.acquire() as conn:
            found = await search_cases_lexical(
                conn,
                vector,
                text,
                union_id=union_id,
                embedding_version=self.embedding_version,
                limit=limit,
            )
        return [n for n, _ in found]


async def open_case_search_pool(dsn: str, *, max_size: int) -> asyncpg.Pool:
    """The pool for `PgCaseIndex(search_pool=...)`: connections set up for its searches."""
    return await open_search_pool(dsn, SEARCH_POOL_LIMIT, max_size=max_size)


async def search_cases_lexical(
    conn: asyncpg.Connection,
    vector: Vector,
    text: str,
    *,
    union_id: str,
    embedding_version: str,
    limit: int,
) -> list[tuple[Neighbour, float]]:
    """The best `limit` visible cases sharing a term with `text` and their BM25, best first
    (similarity: cosine)."""
    terms = query_terms(text)
    if not terms or limit <= 0:
        return []
    return await search_cases_by_terms(
        conn,
        vector,
        terms,
        union_id=union_id,
        embedding_version=embedding_version,
        limit=limit,
        k1=BM25_K1,
        b=BM25_B,
    )
