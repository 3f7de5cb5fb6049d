"""Re-embedding the case base after the embedding model changed, in the background.

Every stored vector names the model version that made it, and a search only compares vectors of
the query's version. So after a model change the service keeps answering and never mixes two
vector spaces. Two ways to get there, chosen by how much is stale:

- few stale rows (< BULK_MIN): re-embed BATCH rows per pass and UPDATE them in place; searches
  of the new version see a growing share of the case base.
- many (a model change over a whole case base): *stage* — embed STAGE_CHUNK rows at a time and
  COPY the vectors into `recommend.reembed_staging`, the old vectors untouched — then *switch*:
  drop the HNSW index of the new vectors' dimension, move every staged vector into place with one
  UPDATE (one transaction, so searches of the new version see the whole case base at once), and
  build that index again. When the dimension changes too, the old dimension's index costs the
  UPDATE nothing: it is partial, and a moved row no longer satisfies its predicate.
  Updating rows one by one under a live index costs an index insert each (the service's upsert
  path ran at 133 rows/s at 1M cases, benchmarks/case_base_scale.py), leaves a dead entry per
  row, and builds one graph out of two vector spaces; a rebuild with the graph in
  maintenance_work_mem took 437 s at 1M. While the index is rebuilt (CONCURRENTLY, so writes
  go on) searches are exact scans: slower, still correct.

Embedding is the slow part (~50 texts/s on two cores), and runs in a thread outside any
transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import structlog

from services.recommend.models import TextEmbedder
from services.recommend.store import case_index_name, case_index_sql

log = structlog.get_logger(__name__)

# Cases re-embedded per incremental pass: about a second of encoding on two cores, so the
# service's own work (answering triaged complaints) is never starved for long.
BATCH = 48
# From this many stale rows on, stage and switch: above a few thousand rows the one rebuild
# costs less than the index inserts and the graph stays one vector space.
BULK_MIN = 2000
# Texts embedded per staging step (~10 s on two cores).
STAGE_CHUNK = 512

STAGING_COLUMNS = ("source", "id", "text_md5", "embedding", "embedding_version")


@dataclass(frozen=True)
class Table:
    """A table whose rows carry an embedding of their text."""

    name: str
    key: str
    key_type: str


TABLES = (Table("cases", "case_id", "text"), Table("complaints", "complaint_id", "uuid"))


async def stale_count(pool: asyncpg.Pool, version: str) -> int:
    count: int = await pool.fetchval(
        "SELECT (SELECT count(*) FROM recommend.cases WHERE embedding_version <> $1)"
        " + (SELECT count(*) FROM recommend.complaints WHERE embedding_version <> $1)",
        version,
    )
    return count


async def staged_count(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval("SELECT count(*) FROM recommend.reembed_staging")
    return count


async def reembed_step(pool: asyncpg.Pool, embedder: TextEmbedder) -> int:
    """One unit of re-embedding work (a batch, a staging chunk or the switch); 0 when done."""
    version = embedder.version
    stale = await stale_count(pool, version)
    if stale >= BULK_MIN or await staged_count(pool):
        if staged := await stage_chunk(pool, embedder):
            return staged
        if not stale:  # the staged rows were overtaken (re-imported): nothing to switch
            await pool.execute("DELETE FROM recommend.reembed_staging")
            return 0
        return await switch_staged(pool, version, embedder.dimension)
    return await reembed_batch(pool, embedder)


async def reembed_for(pool: asyncpg.Pool, embedder: TextEmbedder, seconds: float) -> int:
    """Re-embedding steps until nothing is stale or `seconds` have passed; rows done."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    done = 0
    while loop.time() < deadline and (step := await reembed_step(pool, embedder)):
        done += step
    return done


async def reembed_batch(pool: asyncpg.Pool, embedder: TextEmbedder) -> int:
    """Re-embed up to BATCH cases and complaints of another version in place; return how many."""
    version = embedder.version
    done = 0
    for table in TABLES:
        rows = await pool.fetch(
            f"SELECT {table.key} AS id, text FROM recommend.{table.name}"
            f" WHERE embedding_version <> $1 ORDER BY {table.key} LIMIT $2",
            version,
            BATCH - done,
        )
        if not rows:
            continue
        vectors = await asyncio.to_thread(embedder.embed, [r["text"] for r in rows])
        await pool.executemany(
            f"UPDATE recommend.{table.name} SET embedding = $2, embedding_version = $3"
            f" WHERE {table.key} = $1 AND embedding_version <> $3",
            [(r["id"], v, version) for r, v in zip(rows, vectors, strict=True)],
        )
        done += len(rows)
        if done >= BATCH:
            break
    if done:
        log.info("case_base_reembedded", count=done, version=version,
                 remaining=await stale_count(pool, version))  # fmt: skip
    return done


def _unstaged_sql(table: Table) -> str:
    """Stale rows of `table` without a staged vector of this version for their current text."""
    return f"""
SELECT t.{table.key}::text AS id, t.text, md5(t.text) AS text_md5
FROM recommend.{table.name} AS t
WHERE t.embedding_version <> $1
  AND NOT EXISTS (
      SELECT 1 FROM recommend.reembed_staging AS s
      WHERE s.source = '{table.name}' AND s.id = t.{table.key}::text
        AND s.embedding_version = $1 AND s.text_md5 = md5(t.text))
ORDER BY t.{table.key}
LIMIT $2
"""


async def stage_chunk(pool: asyncpg.Pool, embedder: TextEmbedder, limit: int = STAGE_CHUNK) -> int:
    """Embed up to `limit` stale rows and COPY their vectors into the staging table."""
    version = embedder.version
    done = 0
    for table in TABLES:
        rows = await pool.fetch(_unstaged_sql(table), version, limit - done)
        if not rows:
            continue
        vectors = await asyncio.to_thread(embedder.embed, [r["text"] for r in rows])
        records = [
            (table.name, r["id"], r["text_md5"], v, version)
            for r, v in zip(rows, vectors, strict=True)
        ]
        async with pool.acquire() as conn, conn.transaction():
            # A row staged before for an older text or model: replaced, COPY cannot upsert.
            await conn.execute(
                "DELETE FROM recommend.reembed_staging WHERE source = $1 AND id = ANY($2::text[])",
                table.name,
                [r["id"] for r in rows],
            )
            await conn.copy_records_to_table(
                "reembed_staging", schema_name="recommend", columns=STAGING_COLUMNS,
                records=records,
            )  # fmt: skip
        done += len(rows)
        if done >= limit:
            break
    if done:
        log.info("case_base_staged", count=done, version=version)
    return done


def _switch_sql(table: Table) -> str:
    return f"""
UPDATE recommend.{table.name} AS t
SET embedding = s.embedding, embedding_version = s.embedding_version
FROM recommend.reembed_staging AS s
WHERE s.source = '{table.name}' AND t.{table.key} = s.id::{table.key_type}
  AND s.embedding_version = $1 AND s.text_md5 = md5(t.text)
  AND t.embedding_version <> $1
"""


async def switch_staged(pool: asyncpg.Pool, version: str, dimension: int) -> int:
    """Move every staged vector of `version` (of `dimension`) into place at once and rebuild
    that dimension's HNSW index."""
    async with pool.acquire() as conn:
        # Outside a transaction: CONCURRENTLY lets searches and imports go on meanwhile.
        await _drop_case_index(conn, dimension)
        moved = 0
        async with conn.transaction():
            for table in TABLES:
                status = await conn.execute(_switch_sql(table), version)
                moved += int(status.split()[-1])
            # Rows of other versions, or whose text changed, are of no use any more.
            await conn.execute("DELETE FROM recommend.reembed_staging")
        await ensure_case_index(conn, dimension)
    log.info("case_base_switched", count=moved, version=version)
    return moved


async def ensure_case_index(conn: asyncpg.Connection, dimension: int) -> None:
    """Build the HNSW index of `dimension` if it is missing, or left invalid by an interrupted
    build. Indexes of other dimensions stay: searches of another version may still use them."""
    index = case_index_name(dimension)
    valid = await conn.fetchval(
        "SELECT i.indisvalid FROM pg_index AS i"
        " JOIN pg_class AS c ON c.oid = i.indexrelid"
        " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'recommend' AND c.relname = $1",
        index,
    )
    if valid:
        return
    if valid is False:
        await _drop_case_index(conn, dimension)
    log.info("case_index_building", index=index)
    await conn.execute(case_index_sql(dimension))


async def _drop_case_index(conn: asyncpg.Connection, dimension: int) -> None:
    await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS recommend.{case_index_name(dimension)}")
