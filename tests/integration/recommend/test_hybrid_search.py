"""Hybrid retrieval in PostgreSQL (migration 003): same BM25 and fusion as the in-memory index."""

from __future__ import annotations

import asyncpg
import pytest

from services.recommend.cases import ResolvedCase
from services.recommend.models import shared_case_ref
from services.recommend.offline.starter import generate
from services.recommend.retrieval import (
    HYBRID_CANDIDATES,
    InMemoryCaseIndex,
    PgCaseIndex,
    search_cases_lexical,
    tokenize,
)
from services.recommend.store import import_cases, set_union_sharing
from tests.unit.recommend.fakes import HashingEmbedder

QUERIES = [
    "THR BHL gak dibayar, cuma dikasih sembako",
    "anak2 ikut mungut brondol di blok",
    "ijazah sy ditahan, mau resign disuruh bayar denda",
    "lembur sampe malem tp finger udh scan out",
]


@pytest.fixture()
def cases() -> list[ResolvedCase]:
    return generate(per_category=4)  # 68 cases, all four demo unions


async def test_migration_adds_lexemes_and_token_count(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    await import_cases(pool, cases[:3], HashingEmbedder())
    rows = await pool.fetch("SELECT text, token_count FROM recommend.cases")
    assert all(r["token_count"] == len(tokenize(r["text"])) for r in rows)
    indexes = await pool.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'recommend'")
    assert "cases_lexemes_gin" in {r["indexname"] for r in indexes}


async def test_sql_bm25_equals_in_memory_bm25(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    memory = InMemoryCaseIndex.from_cases(cases, embedder)
    for query in QUERIES:
        vector = embedder.embed([query])[0]
        expected = memory.bm25.scores(query, range(len(cases)))
        async with pool.acquire() as conn:
            # every union sees only its own cases here: ask once per union
            got: dict[str, float] = {}
            for union in {c.union for c in cases}:
                rows = await search_cases_lexical(
                    conn,
                    vector,
                    query,
                    union_id=union,
                    embedding_version=embedder.version,
                    limit=len(cases),
                )
                got |= {n.case_id: score for n, score in rows}
        want = {cases[row].case_id: score for row, score in expected.items()}
        assert set(got) == set(want), query
        for case_id, score in want.items():
            assert got[case_id] == pytest.approx(score, rel=1e-6), (query, case_id)


async def test_pg_hybrid_matches_in_memory_hybrid(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    union = "japbusi"
    own = [c for c in cases if c.union == union]
    memory = InMemoryCaseIndex.from_cases(cases, embedder, sharing={union: False}, hybrid=True)
    index = PgCaseIndex(pool, embedder.version, hybrid=True)
    assert len(own) < HYBRID_CANDIDATES  # both candidate lists are complete: exact comparison
    for query in QUERIES:
        vector = embedder.embed([query])[0]
        want = memory.search_sync(vector, union_id=union, k=5, text=query)
        got = await index.search(vector, union_id=union, k=5, text=query)
        assert [n.case_id for n in got] == [n.case_id for n in want], query
        for g, w in zip(got, want, strict=True):
            assert g.similarity == pytest.approx(w.similarity, abs=1e-5)


async def test_pg_hybrid_keeps_the_sharing_rules(
    pool: asyncpg.Pool, cases: list[ResolvedCase]
) -> None:
    embedder = HashingEmbedder()
    await import_cases(pool, cases, embedder)
    index = PgCaseIndex(pool, embedder.version, hybrid=True)
    query = QUERIES[0]
    vector = embedder.embed([query])[0]
    hidden = await index.search(vector, union_id="japbusi", k=100, text=query)
    assert hidden and all(n.own for n in hidden)

    await set_union_sharing(pool, "spn", True)
    shared = await index.search(vector, union_id="japbusi", k=100, text=query)
    foreign = [n for n in shared if not n.own]
    spn_refs = {shared_case_ref(c.case_id) for c in cases if c.union == "spn"}
    assert foreign and {n.case_id for n in foreign} <= spn_refs
    assert all(n.text is None and n.union_id is None for n in foreign)
    plain = await index.search(vector, union_id="japbusi", k=100, text=query, hybrid=False)
    own = {c.case_id for c in cases if c.union == "japbusi"}
    assert {n.case_id for n in plain} <= own | spn_refs
