"""A migrated `recommend` schema on a fresh database, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.recommend.store import open_pool


@pytest.fixture()
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_pool(database_url, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()
