"""Re-embedding the case base after the embedding model changed, in the background.

Every stored vector names the model version that made it, and a search only compares vectors of
the query's version. So after a model change the service keeps answering: searches see the cases
already re-embedded (fewer at first, all of them soon), never a mix of two vector spaces.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from services.recommend.models import TextEmbedder

log = structlog.get_logger(__name__)

# Cases re-embedded per pass: about a second of encoding on two cores, so the service's own
# work (answering triaged complaints) is never starved for long.
BATCH = 48


async def stale_count(pool: asyncpg.Pool, version: str) -> int:
    count: int = await pool.fetchval(
        "SELECT (SELECT count(*) FROM recommend.cases WHERE embedding_version <> $1)"
        " + (SELECT count(*) FROM recommend.complaints WHERE embedding_version <> $1)",
        version,
    )
    return count


async def reembed_batch(pool: asyncpg.Pool, embedder: TextEmbedder) -> int:
    """Re-embed up to BATCH cases and complaints of another version; return how many."""
    version = embedder.version
    done = 0
    for table, key in (("cases", "case_id"), ("complaints", "complaint_id")):
        rows = await pool.fetch(
            f"SELECT {key} AS id, text FROM recommend.{table}"
            f" WHERE embedding_version <> $1 ORDER BY {key} LIMIT $2",
            version,
            BATCH - done,
        )
        if not rows:
            continue
        # Encoding runs in a thread and outside any transaction: it is slow and holds no lock.
        vectors = await asyncio.to_thread(embedder.embed, [r["text"] for r in rows])
        await pool.executemany(
            f"UPDATE recommend.{table} SET embedding = $2, embedding_version = $3"
            f" WHERE {key} = $1 AND embedding_version <> $3",
            [(r["id"], v, version) for r, v in zip(rows, vectors, strict=True)],
        )
        done += len(rows)
        if done >= BATCH:
            break
    if done:
        log.info("case_base_reembedded", count=done, version=version,
                 remaining=await stale_count(pool, version))  # fmt: skip
    return done
