"""asyncpg pools and per-service schema migrations.

Each service owns one Postgres schema named after it and keeps its migrations as numbered SQL
files (`services/<name>/migrations/001_init.sql`). Migrations run on start under an advisory lock,
so several replicas starting together apply each file exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import structlog

# The database cannot be reached or is restarting: worth a retry, not a bug. Besides refused and
# lost connections, PostgreSQL answers 57P01-57P03 while it shuts down or recovers from a crash
# ("the database system is not yet accepting connections"); the chaos test's kill of PostgreSQL
# showed a service that took that for a failure (its outbox relay stopped for good).
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    ConnectionError,
)

log = structlog.get_logger(__name__)

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"

ConnectionInit = Callable[[asyncpg.Connection], Awaitable[None]]


def rows_affected(status: str) -> int:
    """The row count of a command status as asyncpg returns it ("DELETE 12" -> 12)."""
    return int(status.split()[-1])


async def apply_migrations(conn: asyncpg.Connection, schema: str, directory: Path) -> list[str]:
    """Apply the kit's and then `directory`'s not-yet-applied `*.sql` files, in name order.

    The files run with the service schema first on the search_path, so they name tables plainly.
    """
    lock_id = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_id)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        files = [(f"runtime/{p.name}", p) for p in sorted(RUNTIME_MIGRATIONS.glob("*.sql"))]
        files += [(p.name, p) for p in sorted(directory.glob("*.sql"))]
        for name, path in files:
            if name in done:
                continue
            await conn.execute(path.read_text())
            await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            applied_now.append(name)
    if applied_now:
        log.info("migrations_applied", schema=schema, files=applied_now)
    return applied_now


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool `reset`: nothing beyond what asyncpg always does on release (roll back a transaction
    left open, drop the listeners it tracks).

    The default reset sends UNLISTEN, RESET ALL, CLOSE ALL and releases advisory locks: a round
    trip on every release, five or six per complaint in recommend alone. The services keep no
    session state to undo: settings are SET LOCAL, locks transaction-scoped, no cursors are
    held, and the outbox relay unlistens itself before its connection goes back.
    """


async def create_pool(
    dsn: str,
    *,
    schema: str,
    migrations: Path | None = None,
    init: ConnectionInit | None = None,
    min_size: int = 1,
    max_size: int = 10,
    settings: dict[str, str] | None = None,
) -> asyncpg.Pool:
    """Open a pool whose connections search `schema` first (and carry `settings`), after
    migrating it."""
    if migrations is not None:
        conn = await asyncpg.connect(dsn)
        try:
            await apply_migrations(conn, schema, migrations)
        finally:
            await conn.close()
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init,
        reset=_keep_session,
        server_settings={
            "search_path": f'"{schema}",public',
            # Names the service in pg_stat_activity (and lets benchmarks charge a backend's CPU
            # to the service whose pool opened it).
            "application_name": f"aduan-{schema}",
            **(settings or {}),
        },
    )
    if pool is None:  # asyncpg types the result as optional
        raise RuntimeError("could not create a database pool")
    return pool
