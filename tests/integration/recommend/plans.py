"""What the planner does with the store's case search, for tests that check the index is used."""

from __future__ import annotations

import asyncpg

from services.recommend.models import Vector
from services.recommend.store import apply_search_settings, search_query


async def search_plan(
    pool: asyncpg.Pool,
    vector: Vector,
    *,
    union_id: str,
    embedding_version: str,
    limit: int = 50,
    category: str | None = None,
) -> str:
    """EXPLAIN of store.search_cases' query for `vector`, under the settings it runs with."""
    sql, args = search_query(
        vector,
        union_id=union_id,
        embedding_version=embedding_version,
        limit=limit,
        category=category,
    )
    async with pool.acquire() as conn, conn.transaction():
        await apply_search_settings(conn, limit)
        plan = await conn.fetch("EXPLAIN (COSTS OFF) " + sql, *args)
    return "\n".join(r[0] for r in plan)
