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

import asyncpg
import structlog

from services.recommend import store
from services.recommend.models import TextEmbedder
from services.recommend.store import Table

log = structlog.get_logger(__name__)

# Cases re-embedded per incremental pass: about a second of encoding on two cores, so the
# service's own work (answering triaged complaints) is never starved for long.
BATCH = 48
# From this many stale rows on, stage and switch: above a few thousand rows the one rebuild
# costs less than the index inserts and the graph stays one vector space.
BULK_MIN = 2000
# Texts embedded per staging step (~10 s on two cores).
STAGE_CHUNK = 512

TABLES = (Table("cases", "case_id", "text"), Table("complaints", "complaint_id", "uuid"))


async def stale_count(pool: asyncpg.Pool, version: str) -> int:
    return await store.stale_embedding_count(pool, version)


async def staged_count(pool: asyncpg.Pool) -> int:
    return await store.staged_vector_count(pool)


async def reembed_step(pool: asyncpg.Pool, embedder: TextEmbedder) -> int:
    """One unit of re-embedding work (a batch, a staging chunk or the switch); 0 when done."""
    version = embedder.version
    stale = await stale_count(pool, version)
    if stale >= BULK_MIN or await staged_count(pool):
        if staged := await stage_chunk(pool, embedder):
            return staged
        if not stale:  # the staged rows were overtaken (re-imported): nothing to switch
            await store.clear_staging(pool)
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
        rows = await store.stale_rows(pool, table, version, BATCH - done)
        if not rows:
            continue
        vectors = await asyncio.to_thread(embedder.embed, [r["text"] for r in rows])
        await store.update_embeddings(
            pool, table, [(r["id"], v, version) for r, v in zip(rows, vectors, strict=True)]
        )
        done += len(rows)
        if done >= BATCH:
            break
    if done:
        log.info("case_base_reembedded", count=done, version=version,
                 remaining=await stale_count(pool, version))  # fmt: skip
    return done


async def stage_chunk(pool: asyncpg.Pool, embedder: TextEmbedder, limit: int = STAGE_CHUNK) -> int:
    """Embed up to `limit` stale rows and COPY their vectors into the staging table."""
    version = embedder.version
    done = 0
    for table in TABLES:
        rows = await store.unstaged_rows(pool, table, version, limit - done)
        if not rows:
            continue
        vectors = await asyncio.to_thread(embedder.embed, [r["text"] for r in rows])
        records = [
            (table.name, r["id"], r["text_md5"], v, version)
            for r, v in zip(rows, vectors, strict=True)
        ]
        await store.stage_vectors(pool, table, [r["id"] for r in rows], records)
        done += len(rows)
        if done >= limit:
            break
    if done:
        log.info("case_base_staged", count=done, version=version)
    return done


async def switch_staged(pool: asyncpg.Pool, version: str, dimension: int) -> int:
    """Move every staged vector of `version` (of `dimension`) into place at once and rebuild
    that dimension's HNSW index."""
    async with pool.acquire() as conn:
        # Outside a transaction: CONCURRENTLY lets searches and imports go on meanwhile.
        await store.drop_case_index(conn, dimension)
        moved = 0
        async with conn.transaction():
            for table in TABLES:
                moved += await store.move_staged(conn, table, version)
            # Rows of other versions, or whose text changed, are of no use any more.
            await store.clear_staging(conn)
        await ensure_case_index(conn, dimension)
    log.info("case_base_switched", count=moved, version=version)
    return moved


async def ensure_case_index(conn: asyncpg.Connection, dimension: int) -> None:
    """Build the HNSW index of `dimension` if it is missing, or left invalid by an interrupted
    build. Indexes of other dimensions stay: searches of another version may still use them."""
    index = store.case_index_name(dimension)
    valid = await store.case_index_valid(conn, dimension)
    if valid:
        return
    if valid is False:
        await store.drop_case_index(conn, dimension)
    log.info("case_index_building", index=index)
    await store.create_case_index(conn, dimension)
