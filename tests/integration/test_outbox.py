"""The outbox wakes its relay from the database: a committed event notifies, a rolled back one
does not, and the writer spends no statement of its own on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.runtime.db import create_pool
from services.runtime.outbox import NOTIFY_CHANNEL, enqueue
from tests.support import union_registered


@pytest.fixture()
async def pool(database_url: str, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh service schema holding only the kit's tables (outbox and all)."""
    service_pool = await create_pool(
        database_url, schema=f"svc_{uuid.uuid4().hex[:8]}", migrations=tmp_path
    )
    yield service_pool
    await service_pool.close()


@pytest.fixture()
async def heard(database_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """The channel names of the notifications a listening relay would receive."""
    listener = await asyncpg.connect(database_url)
    notifications: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(NOTIFY_CHANNEL, lambda *args: notifications.put_nowait(args[2]))
    yield notifications
    await listener.close()


class TestOutboxNotification:
    """The relay sleeps until NOTIFY says a row was committed (polling is only a safety net)."""

    async def test_a_committed_event_notifies_once_per_transaction(
        self, pool: asyncpg.Pool, heard: asyncio.Queue[str]
    ) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await enqueue(conn, union_registered(), source="test")
            await enqueue(conn, union_registered(), source="test")
            await asyncio.sleep(0.2)
            assert heard.empty()  # nothing before the commit
        assert await asyncio.wait_for(heard.get(), timeout=5) == NOTIFY_CHANNEL
        await asyncio.sleep(0.3)
        assert heard.empty()  # one wake-up for the transaction, not one per row

    async def test_a_rolled_back_event_does_not_notify(
        self, pool: asyncpg.Pool, heard: asyncio.Queue[str]
    ) -> None:
        async with pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            await enqueue(conn, union_registered(), source="test")
            await tx.rollback()
        await asyncio.sleep(0.5)
        assert heard.empty()
