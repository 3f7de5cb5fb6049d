"""Registering unions and telling the other services about them.

Intake is the system of record for unions. Each registration is published as
`aduan.union.registered.v1`; intake republishes them all on start, so a broker that lost its
topics (the embedded one keeps them in memory) heals by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from schemas.envelope import derived_event_id
from schemas.events import UnionRegistered
from services.intake import store
from services.runtime.messaging import EventBus
from services.runtime.outbox import enqueue
from services.runtime.tokens import hash_api_key, new_api_key

SOURCE = "intake"


@dataclass(frozen=True)
class Registration:
    union: UnionRegistered
    api_key: str


def registration_event_id(union: UnionRegistered) -> str:
    parts: list[object] = [union.union_id, "registered", union.api_key_hash, union.share_cases]
    parts.append(union.name)
    if union.previous_api_key_hash:  # a rotation; ids of registrations before one stay as they were
        parts += [union.previous_api_key_hash, union.previous_key_valid_until]
    return derived_event_id(*parts)


async def register_union(
    conn: asyncpg.Connection,
    union_id: str,
    name: str,
    *,
    federation: str | None = None,
    share_cases: bool = False,
    api_key: str | None = None,
) -> Registration:
    """Create or update a union; a new API key is issued unless one is given."""
    key = api_key or new_api_key(union_id)
    union = UnionRegistered(
        union_id=union_id,
        name=name,
        federation=federation,
        share_cases=share_cases,
        api_key_hash=hash_api_key(key),
        registered_at=datetime.now(UTC),
    )
    async with conn.transaction():
        await _save(conn, union)
    return Registration(union, key)


class UnknownUnion(LookupError):
    pass


async def rotate_key(conn: asyncpg.Connection, union_id: str, overlap: timedelta) -> Registration:
    """Issue the union a new API key; the current one keeps working for `overlap`, time for
    its frontends to switch. A key already being rotated out stops at once."""
    async with conn.transaction():
        current = await store.union(conn, union_id)
        if current is None:
            raise UnknownUnion(union_id)
        key = new_api_key(union_id)
        rotated = current.model_copy(
            update={
                "api_key_hash": hash_api_key(key),
                "previous_api_key_hash": current.api_key_hash,
                "previous_key_valid_until": datetime.now(UTC) + overlap,
            }
        )
        await _save(conn, rotated)
    return Registration(rotated, key)


async def _save(conn: asyncpg.Connection, union: UnionRegistered) -> None:
    await store.upsert_union(conn, union)
    await enqueue(conn, union, source=SOURCE, event_id=registration_event_id(union))


async def announce_all(pool: asyncpg.Pool, bus: EventBus) -> int:
    unions = await store.all_unions(pool)
    for union in unions:
        await bus.publish(union, event_id=registration_event_id(union))
    return len(unions)
