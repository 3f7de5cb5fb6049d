"""Category-aware retrieval in PostgreSQL: the same candidates and order as in memory."""

from __future__ import annotations

import asyncpg
import pytest

from schemas.vocabulary import Category
from services.recommend.cases import ResolvedCase
from services.recommend.models import shared_case_ref
from services.recommend.offline.starter import generate
from services.recommend.rerank import TriageLabels
from services.recommend.retrieval import InMemoryCaseIndex, PgCaseIndex
from services.recommend.store import (
    case_index_name,
    import_cases,
    search_cases,
    set_union_sharing,
)
from tests.integration.recommend.plans import search_plan
from tests.integration.recommend.queries import QUERIES
from tests.unit.recommend.fakes import HashingEmbedder


@pytest.fixture()
def cases() -> list[ResolvedCase]:
    return generate(per_category=4)  # 68 cases, all four demo unions


async def test_pg_category_aware_matches_in_memory(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    union = "japbusi"
    memory = InMemoryCaseIndex.from_cases(cases, embedder, sharing={union: False})
    index = PgCaseIndex(pool, embedder.version)
    for text, category in QUERIES:
        labels = TriageLabels(category)
        vector = embedder.embed([text])[0]
        for hybrid in (False, True):
            want = memory.search_sync(
                vector, union_id=union, k=5, text=text, labels=labels, hybrid=hybrid
            )
            got = await index.search(
                vector, union_id=union, k=5, text=text, labels=labels, hybrid=hybrid
            )
            assert [n.case_id for n in got] == [n.case_id for n in want], (text, hybrid)
            for g, w in zip(got, want, strict=True):
                assert g.similarity == pytest.approx(w.similarity, abs=1e-5)


async def test_filtered_search_returns_only_the_category_and_keeps_sharing(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    await set_union_sharing(pool, "spn", True)
    vector = embedder.embed(["gaji dipotong terus"])[0]
    async with pool.acquire() as conn:
        found = await search_cases(
            conn,
            vector,
            union_id="japbusi",
            embedding_version=embedder.version,
            limit=100,
            category=Category.CHILD_LABOUR.value,
        )
    visible = [c for c in cases if c.category is Category.CHILD_LABOUR]
    visible = [c for c in visible if c.union in ("japbusi", "spn")]
    assert {n.case_id for n in found} == {
        c.case_id if c.union == "japbusi" else shared_case_ref(c.case_id) for c in visible
    }
    assert all(n.category is Category.CHILD_LABOUR for n in found)


async def test_filtered_search_walks_the_hnsw_index(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    """With the store's settings the filtered query is an HNSW walk, not a sort of the table."""
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    vector = embedder.embed(["upah di bawah UMK"])[0]
    plan = await search_plan(
        pool,
        vector,
        union_id="spn",
        embedding_version=embedder.version,
        category=Category.OVERTIME.value,
    )
    assert f"Index Scan using {case_index_name(embedder.dimension)}" in plan
