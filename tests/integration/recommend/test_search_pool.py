"""The case-search pool: connections set up for the searches, which then skip the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from schemas.vocabulary import Category
from services.recommend.cases import ResolvedCase
from services.recommend.offline.starter import generate
from services.recommend.rerank import TriageLabels
from services.recommend.retrieval import SEARCH_POOL_LIMIT, PgCaseIndex, open_case_search_pool
from services.recommend.store import (
    case_index_name,
    import_cases,
    search_cases,
    search_query,
    search_settings,
)
from tests.integration.recommend.queries import QUERIES
from tests.unit.recommend.fakes import HashingEmbedder

EMBEDDER = HashingEmbedder()


@pytest.fixture()
async def search_pool(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Pool]:
    """Opened after `pool`, which migrated the schema."""
    search_pool = await open_case_search_pool(database_url, max_size=2)
    try:
        yield search_pool
    finally:
        await search_pool.close()


@pytest.fixture()
async def cases(pool: asyncpg.Pool) -> list[ResolvedCase]:
    cases = generate(per_category=4)  # 68 cases, all four demo unions
    await import_cases(pool, cases, EMBEDDER)
    return cases


async def session_settings(conn: asyncpg.Connection) -> dict[str, str]:
    names = list(search_settings(SEARCH_POOL_LIMIT))
    rows = await conn.fetch(
        "SELECT name, current_setting(name) FROM unnest($1::text[]) name", names
    )
    return {row[0]: row[1] for row in rows}


class TestSearchPool:
    """Recommend's two searches per complaint run on it, one round trip each."""

    async def test_it_finds_what_the_service_pool_finds(
        self, pool: asyncpg.Pool, search_pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        plain = PgCaseIndex(pool, EMBEDDER.version)
        preset = PgCaseIndex(pool, EMBEDDER.version, search_pool=search_pool)
        for union in ("japbusi", "spn"):
            for text, category in QUERIES:
                vector = EMBEDDER.embed([text])[0]
                for labels in (TriageLabels(category), None):
                    want = await plain.search(vector, union_id=union, text=text, labels=labels)
                    got = await preset.search(vector, union_id=union, text=text, labels=labels)
                    assert [(n.case_id, n.similarity) for n in got] == [
                        (n.case_id, n.similarity) for n in want
                    ]
                    assert got

    async def test_its_connections_carry_the_search_settings_for_the_session(
        self, search_pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        vector = EMBEDDER.embed(["upah di bawah UMK"])[0]
        sql, args = search_query(
            vector,
            union_id="spn",
            embedding_version=EMBEDDER.version,
            limit=SEARCH_POOL_LIMIT,
            category=Category.OVERTIME.value,
        )
        async with search_pool.acquire() as conn:
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN (COSTS OFF) " + sql, *args))
            assert await session_settings(conn) == search_settings(SEARCH_POOL_LIMIT)
        assert f"Index Scan using {case_index_name(EMBEDDER.dimension)}" in plan

    async def test_a_search_of_another_size_sets_its_own_and_leaves_the_session_as_it_was(
        self, pool: asyncpg.Pool, search_pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        vector = EMBEDDER.embed(["gaji dipotong terus"])[0]
        preset = search_settings(SEARCH_POOL_LIMIT)
        assert search_settings(120) != preset
        async with search_pool.acquire() as conn:
            got = await search_cases(
                conn,
                vector,
                union_id="spn",
                embedding_version=EMBEDDER.version,
                limit=120,
                preset=preset,
            )
            assert await session_settings(conn) == preset
        async with pool.acquire() as conn:
            want = await search_cases(
                conn, vector, union_id="spn", embedding_version=EMBEDDER.version, limit=120
            )
        assert [n.case_id for n in got] == [n.case_id for n in want]
        assert got
