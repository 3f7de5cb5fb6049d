"""The embedded PostgreSQL runs with memory for the case base's HNSW index (deploy sizing)."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.stack.embedded import POSTGRES_SETTINGS, EmbeddedPostgres


async def test_embedded_server_runs_with_the_case_base_settings(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pgdata") as pg:
        conn = await asyncpg.connect(pg.url)
        try:
            for name, value in POSTGRES_SETTINGS.items():
                assert await conn.fetchval(f"SHOW {name}") == value
        finally:
            await conn.close()
    # A restart on the same directory includes the file once, not twice.
    with EmbeddedPostgres(tmp_path / "pgdata") as pg:
        conn = await asyncpg.connect(pg.url)
        try:
            assert await conn.fetchval("SHOW shared_buffers") == POSTGRES_SETTINGS["shared_buffers"]
        finally:
            await conn.close()
    conf = (tmp_path / "pgdata" / "postgresql.conf").read_text()
    assert conf.count("include_if_exists = 'aduan.conf'") == 1
