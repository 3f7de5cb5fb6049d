"""Migration 006 on a case base made before it: the columns take any dimension, nothing moves."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

from services.recommend.offline.starter import generate
from services.recommend.reembed import ensure_case_index
from services.recommend.retrieval import PgCaseIndex
from services.recommend.store import MIGRATIONS, SCHEMA, import_cases, init_connection, open_pool
from services.runtime.db import create_pool
from tests.unit.recommend.fakes import Hashing512Embedder, HashingEmbedder

pytestmark = pytest.mark.integration

TABLES = ("cases", "complaints", "reembed_staging")
# Every stored vector, exactly, and the file behind each table (a rewrite would change it).
SNAPSHOT_SQL = """
SELECT 'cases' AS t, case_id AS id, embedding::text AS v FROM recommend.cases
UNION ALL SELECT 'complaints', complaint_id::text, embedding::text FROM recommend.complaints
UNION ALL SELECT 'staging', id, embedding::text FROM recommend.reembed_staging
UNION ALL SELECT 'file', relname, pg_relation_filenode(oid)::text FROM pg_class
          WHERE relnamespace = 'recommend'::regnamespace AND relname = ANY($1::text[])
ORDER BY 1, 2
"""


@pytest.fixture()
def before_006(tmp_path: Path) -> Path:
    """The migrations as they were before 006."""
    for path in MIGRATIONS.glob("*.sql"):
        if path.name < "006":
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


async def _fill_384(pool: asyncpg.Pool) -> None:
    """Cases, a complaint and a staged vector, all of MiniLM's dimension."""
    embedder = HashingEmbedder()
    await import_cases(pool, generate(per_category=1), embedder)
    vector = embedder.embed(["gaji dipotong"])[0]
    await pool.execute(
        "INSERT INTO recommend.complaints (complaint_id, union_id, sector, text, category,"
        " priority, embedding, embedding_version, submitted_at)"
        " VALUES ($1, 'spn', 'garment', 'gaji dipotong', 'wages_minimum_wage', 'P3', $2, $3,"
        " now())",
        uuid.uuid4(),
        vector,
        embedder.version,
    )
    await pool.execute(
        "INSERT INTO recommend.reembed_staging VALUES ('cases', 'x', md5('x'), $1, $2)",
        vector,
        embedder.version,
    )


class TestAnyDimensionMigration:
    """006 untypes the embedding columns and drops the 384-only index; stored rows stay."""

    async def test_existing_384_rows_survive_unchanged(
        self, database_url: str, before_006: Path
    ) -> None:
        old = await create_pool(
            database_url, schema=SCHEMA, migrations=before_006, init=init_connection
        )
        try:
            await _fill_384(old)
            before = await old.fetch(SNAPSHOT_SQL, list(TABLES))
        finally:
            await old.close()

        pool = await open_pool(database_url, max_size=2)
        try:
            assert await pool.fetch(SNAPSHOT_SQL, list(TABLES)) == before
            types = await pool.fetch(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attname = 'embedding' AND attrelid = ANY($1::regclass[])",
                [f"recommend.{t}" for t in TABLES],
            )
            assert [r[0] for r in types] == ["vector"] * len(TABLES)
            assert (
                await pool.fetchval("SELECT to_regclass('recommend.cases_embedding_hnsw')") is None
            )
            await self._old_and_new_dimensions_both_answer(pool)
        finally:
            await pool.close()

    async def _old_and_new_dimensions_both_answer(self, pool: asyncpg.Pool) -> None:
        cases = generate(per_category=1)
        new = Hashing512Embedder()
        renamed = [c.model_copy(update={"case_id": c.case_id + "-512"}) for c in cases]
        await import_cases(pool, renamed, new)
        async with pool.acquire() as conn:
            await ensure_case_index(conn, HashingEmbedder.dimension)
        for embedder, suffix in ((HashingEmbedder(), ""), (new, "-512")):
            vector = embedder.embed([cases[0].text])[0]
            hits = await PgCaseIndex(pool, embedder.version).search(
                vector, union_id=cases[0].union, k=1
            )
            assert [n.case_id for n in hits] == [cases[0].case_id + suffix]
