"""A migrated `recommend` schema on a fresh database, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.recommend.reembed import ensure_case_index
from services.recommend.store import open_pool
from tests.unit.recommend.fakes import HashingEmbedder


@pytest.fixture()
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """With the HNSW index of the test embedder's dimension, as the service builds it at start."""
    pool = await open_pool(database_url, max_size=2)
    try:
        async with pool.acquire() as conn:
            await ensure_case_index(conn, HashingEmbedder.dimension)
        yield pool
    finally:
        await pool.close()
