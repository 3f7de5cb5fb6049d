"""The case base in PostgreSQL: schema `recommend`, pgvector HNSW (cosine) on the embeddings,
one index per embedding dimension.

Imports are idempotent by case_id: an unchanged case is skipped without being embedded again
(embedding is the slow part, ~50 texts/s on two cores); a changed case is updated, and embedded
again only when its text or the embedding model changed.

Every SQL statement of the service lives here, one named function each (the case base, the
complaints it answered, related complaints, re-embedding, the HNSW indexes); the other modules
call these functions and hold no SQL (tests/unit/recommend/test_sql_in_store.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from uuid import UUID

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

from schemas.events import ComplaintRecategorized, ComplaintTriaged
from schemas.vocabulary import Action, Tag
from services.recommend.cases import ResolvedCase
from services.recommend.models import Neighbour, TextEmbedder, Vector
from services.runtime.db import create_pool

SCHEMA = "recommend"
MIGRATIONS = Path(__file__).parent / "migrations"
IMPORT_BATCH = 64
# Candidate list of the HNSW walk (`search_settings`), capped so one query cannot scan the whole
# graph. At 1M cases (benchmarks/case_base_scale.py) 200 lifts recall@5 from 0.968 (at 80) to
# 0.979 and keeps p99 under 20 ms; below that the walk sometimes settles in the wrong region.
MIN_EF_SEARCH, MAX_EF_SEARCH = 200, 400


class CaseSource(StrEnum):
    IMPORT = "import"  # loaded from a JSONL file (`aduan recommend load-cases`)
    RESOLVED = "resolved"  # from an `aduan.complaint.resolved.v1` event


class UpsertResult(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0  # already stored, unchanged
    embedded: int = 0  # texts sent to the embedder


# Plan every statement with its parameters. asyncpg prepares each query once per connection,
# and after five executions PostgreSQL may switch to a generic plan; for the BM25 search (its
# tsquery a parameter) the generic plan ran at 26 ms a query where planning each time ran at 9.
CONNECTION_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


async def init_connection(conn: asyncpg.Connection) -> None:
    """Pool `init`: teach asyncpg the vector type, wherever the extension was installed."""
    schema = await conn.fetchval(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'vector'"
    )
    await register_vector(conn, schema=schema or "public")


async def open_search_pool(dsn: str, limit: int, *, max_size: int) -> asyncpg.Pool:
    """A pool whose connections carry the settings of a search of `limit` cases for their
    whole session, so such a search is one round trip instead of four (BEGIN, SET LOCAL, the
    search, COMMIT); `search_cases(..., preset=search_settings(limit))` runs on it. Only case
    searches may use it: `enable_seqscan = off` would mislead the planner elsewhere."""
    return await create_pool(
        dsn,
        schema=SCHEMA,
        init=init_connection,
        max_size=max_size,
        settings={**CONNECTION_SETTINGS, **search_settings(limit)},
    )


async def open_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool on schema `recommend`, migrated, with pgvector registered on every connection."""
    return await create_pool(
        dsn,
        schema=SCHEMA,
        migrations=MIGRATIONS,
        init=init_connection,
        min_size=min_size,
        max_size=max_size,
        settings=CONNECTION_SETTINGS,
    )


async def set_union_sharing(
    conn: asyncpg.Connection | asyncpg.Pool, union_id: str, share: bool
) -> None:
    await conn.execute(
        "INSERT INTO recommend.unions (union_id, share_cases) VALUES ($1, $2)"
        " ON CONFLICT (union_id) DO UPDATE SET share_cases = EXCLUDED.share_cases,"
        " updated_at = now()",
        union_id,
        share,
    )


async def remember_submitted(
    conn: asyncpg.Connection | asyncpg.Pool, complaints: Sequence[tuple[UUID, str]]
) -> None:
    """Note complaints intake accepted (id, union); seeing one twice changes nothing."""
    await conn.execute(
        "INSERT INTO recommend.submitted (complaint_id, union_id)"
        " SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (complaint_id) DO NOTHING",
        [complaint_id for complaint_id, _ in complaints],
        [union_id for _, union_id in complaints],
    )


async def submitted_union(conn: asyncpg.Connection, complaint_id: UUID) -> str | None:
    """The union a submitted complaint belongs to; None for a complaint intake never accepted."""
    union_id: str | None = await conn.fetchval(
        "SELECT union_id FROM recommend.submitted WHERE complaint_id = $1", complaint_id
    )
    return union_id


async def ensure_unions(conn: asyncpg.Connection, union_ids: Iterable[str]) -> None:
    """Register unions not seen before, not sharing (opt-in)."""
    await conn.execute(
        "INSERT INTO recommend.unions (union_id)"
        " SELECT DISTINCT u FROM unnest($1::text[]) AS u ON CONFLICT (union_id) DO NOTHING",
        sorted(set(union_ids)),
    )


def _timestamp(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


_UPSERT_SQL = """
INSERT INTO recommend.cases (
    case_id, union_id, sector, text, category, tags, actions_taken, outcome, resolution_note,
    days_to_resolve, workplace, resolved_at, synthetic, source, embedding, embedding_version,
    content_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (case_id) DO UPDATE SET
    union_id = EXCLUDED.union_id, sector = EXCLUDED.sector, text = EXCLUDED.text,
    category = EXCLUDED.category, tags = EXCLUDED.tags, actions_taken = EXCLUDED.actions_taken,
    outcome = EXCLUDED.outcome, resolution_note = EXCLUDED.resolution_note,
    days_to_resolve = EXCLUDED.days_to_resolve, workplace = EXCLUDED.workplace,
    resolved_at = EXCLUDED.resolved_at, synthetic = EXCLUDED.synthetic,
    embedding = EXCLUDED.embedding, embedding_version = EXCLUDED.embedding_version,
    content_hash = EXCLUDED.content_hash, updated_at = now()
WHERE recommend.cases.content_hash IS DISTINCT FROM EXCLUDED.content_hash
   OR recommend.cases.embedding_version IS DISTINCT FROM EXCLUDED.embedding_version
RETURNING (xmax = 0) AS inserted
"""

# Metadata changed but text and model did not: keep the stored vector.
_UPDATE_META_SQL = """
UPDATE recommend.cases SET
    union_id = $2, sector = $3, category = $4, tags = $5, actions_taken = $6, outcome = $7,
    resolution_note = $8, days_to_resolve = $9, workplace = $10, resolved_at = $11,
    synthetic = $12, content_hash = $13, updated_at = now()
WHERE case_id = $1 AND content_hash IS DISTINCT FROM $13
"""


async def upsert_case(
    conn: asyncpg.Connection,
    case: ResolvedCase,
    *,
    vector: Vector,
    embedding_version: str,
    source: CaseSource = CaseSource.RESOLVED,
) -> UpsertResult:
    """Store one case with its vector (the resolved-event path); idempotent by content."""
    await ensure_unions(conn, [case.union])
    inserted = await conn.fetchval(
        _UPSERT_SQL,
        case.case_id,
        case.union,
        case.sector.value,
        case.text,
        case.category.value,
        [t.value for t in case.tags],
        [a.value for a in case.actions_taken],
        case.outcome.value,
        case.resolution_note,
        case.days_to_resolve,
        case.workplace,
        _timestamp(case.resolved_at),
        case.synthetic,
        source.value,
        vector,
        embedding_version,
        case.content_hash(),
    )
    if inserted is None:  # the WHERE of DO UPDATE found nothing to change
        return UpsertResult.UNCHANGED
    return UpsertResult.INSERTED if inserted else UpsertResult.UPDATED


async def _update_metadata(conn: asyncpg.Connection, case: ResolvedCase) -> None:
    await conn.execute(
        _UPDATE_META_SQL,
        case.case_id,
        case.union,
        case.sector.value,
        case.category.value,
        [t.value for t in case.tags],
        [a.value for a in case.actions_taken],
        case.outcome.value,
        case.resolution_note,
        case.days_to_resolve,
        case.workplace,
        _timestamp(case.resolved_at),
        case.synthetic,
        case.content_hash(),
    )


@dataclass(frozen=True)
class _Stored:
    content_hash: str
    text: str
    embedding_version: str


async def _stored(conn: asyncpg.Connection, case_ids: Sequence[str]) -> dict[str, _Stored]:
    rows = await conn.fetch(
        "SELECT case_id, content_hash, text, embedding_version FROM recommend.cases"
        " WHERE case_id = ANY($1::text[])",
        list(case_ids),
    )
    return {
        r["case_id"]: _Stored(r["content_hash"], r["text"], r["embedding_version"]) for r in rows
    }


async def _import_batch(
    pool: asyncpg.Pool,
    batch: Sequence[ResolvedCase],
    embedder: TextEmbedder,
    source: CaseSource,
    report: ImportReport,
) -> None:
    async with pool.acquire() as conn:
        stored = await _stored(conn, [c.case_id for c in batch])
    version = embedder.version
    to_embed: list[ResolvedCase] = []
    meta_only: list[ResolvedCase] = []
    for case in batch:
        old = stored.get(case.case_id)
        if old is None or old.text != case.text or old.embedding_version != version:
            to_embed.append(case)
        elif old.content_hash != case.content_hash():
            meta_only.append(case)
        else:
            report.skipped += 1
    # Embed outside the transaction: it is the slow part and holds no lock.
    vectors: list[Vector] = list(embedder.embed([c.text for c in to_embed])) if to_embed else []
    report.embedded += len(to_embed)
    async with pool.acquire() as conn, conn.transaction():
        for case, vector in zip(to_embed, vectors, strict=True):
            result = await upsert_case(
                conn, case, vector=vector, embedding_version=version, source=source
            )
            if result is UpsertResult.INSERTED:
                report.inserted += 1
            elif result is UpsertResult.UPDATED:
                report.updated += 1
            else:
                report.skipped += 1
        if meta_only:
            await ensure_unions(conn, [c.union for c in meta_only])
        for case in meta_only:
            await _update_metadata(conn, case)
            report.updated += 1


async def import_cases(
    pool: asyncpg.Pool,
    cases: Sequence[ResolvedCase],
    embedder: TextEmbedder,
    *,
    source: CaseSource = CaseSource.IMPORT,
    batch_size: int = IMPORT_BATCH,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upsert `cases` by case_id, embedding only new or changed texts; calls `on_progress(n)`."""
    report = ImportReport()
    for start in range(0, len(cases), batch_size):
        batch = cases[start : start + batch_size]
        await _import_batch(pool, batch, embedder, source, report)
        if on_progress is not None:
            on_progress(len(batch))
    if report.inserted or report.updated:
        # Fresh statistics for the planner: right after a first load autovacuum has not yet
        # analysed the table, and without statistics the searches planned so badly that
        # PostgreSQL spent ~90 ms of CPU per complaint instead of ~20 (benchmarks/stack_latency).
        await pool.execute("ANALYZE recommend.cases")
    return report


async def pgvector_supports_iterative_scan(conn: asyncpg.Connection) -> bool:
    """pgvector 0.8 added iterative index scans, which keep filtered HNSW results complete."""
    version = await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    parts = tuple(int(p) for p in str(version or "0").split(".")[:2] if p.isdigit())
    return parts >= (0, 8)


# Another union's case leaves the database anonymised: pseudonymous id (same formula as
# models.shared_case_ref), no union, text, note or workplace. $1 is the query vector, $2 the
# asking union; every search selects these columns. The similarity needs no cast: a search keeps
# to one embedding version, whose vectors all have the query's dimension.
CASE_COLUMNS = """
    CASE WHEN c.union_id = $2 THEN c.case_id
         ELSE 'anon-' || left(encode(sha256(convert_to(c.case_id, 'UTF8')), 'hex'), 12)
    END AS case_id,
    c.union_id = $2 AS own,
    CASE WHEN c.union_id = $2 THEN c.union_id END AS union_id,
    CASE WHEN c.union_id = $2 THEN c.text END AS text,
    CASE WHEN c.union_id = $2 THEN c.resolution_note END AS resolution_note,
    CASE WHEN c.union_id = $2 THEN c.workplace END AS workplace,
    c.sector, c.category, c.tags, c.actions_taken, c.outcome, c.days_to_resolve,
    1 - (c.embedding <=> $1) AS similarity
"""


# The embedding columns hold vectors of any dimension (the encoder is a setting), but an HNSW
# index needs one dimension. So each dimension gets its own index: partial (the rows of that
# dimension) over the column cast to the typed vector. The planner uses it only for a query that
# repeats the cast and the predicate with the dimension as a literal: a partial index's predicate
# is proved from constants, never from a parameter. Index and searches share these helpers so
# the expressions cannot drift apart.


def _dimension_literal(dimension: int) -> int:
    """`dimension` as it may be written into SQL text: a positive integer, nothing else."""
    value = operator.index(dimension)
    if value <= 0:
        raise ValueError(f"not an embedding dimension: {dimension!r}")
    return value


def indexed_embedding(dimension: int, column: str = "embedding") -> str:
    """The expression the HNSW index of `dimension` is built on."""
    return f"{column}::vector({_dimension_literal(dimension)})"


def dimension_predicate(dimension: int, column: str = "embedding") -> str:
    """The rows the HNSW index of `dimension` covers (vector_dims is immutable, as a partial
    index's predicate must be)."""
    return f"vector_dims({column}) = {_dimension_literal(dimension)}"


def case_index_name(dimension: int) -> str:
    return f"cases_embedding_hnsw_{_dimension_literal(dimension)}"


def case_index_sql(dimension: int, *, concurrently: bool = True) -> str:
    """CREATE INDEX of the HNSW index of `dimension` (CONCURRENTLY unless told otherwise:
    searches and imports go on while it builds)."""
    how = "CONCURRENTLY " if concurrently else ""
    return (
        f"CREATE INDEX {how}IF NOT EXISTS {case_index_name(dimension)} ON recommend.cases"
        f" USING hnsw (({indexed_embedding(dimension)}) vector_cosine_ops)"
        f" WHERE {dimension_predicate(dimension)}"
    )


@lru_cache(maxsize=64)
def search_cases_sql(dimension: int, *, in_category: bool = False) -> str:
    """The nearest visible cases to a query vector of `dimension`, through that dimension's
    HNSW index. $1 query vector, $2 asking union, $3 embedding version, $4 limit and, when
    `in_category`, $5 the category: category-aware retrieval applies that filter during the
    HNSW walk, and iterative scan (pgvector >= 0.8) keeps walking until `limit` rows pass it.
    """
    category = "\n  AND c.category = $5" if in_category else ""
    return f"""
SELECT
{CASE_COLUMNS}
FROM recommend.cases AS c
WHERE {dimension_predicate(dimension, "c.embedding")}
  AND c.embedding_version = $3{category}
  AND (c.union_id = $2
       OR c.union_id IN (SELECT u.union_id FROM recommend.unions AS u WHERE u.share_cases))
ORDER BY {indexed_embedding(dimension, "c.embedding")} <=> $1
LIMIT $4
"""


# Looked up, not constructed: a complaint's searches return up to 100 cases of ~5 tags and
# actions each, and calling the enum for each id cost recommend a few percent of its CPU.
_TAGS = {t.value: t for t in Tag}
_ACTIONS = {a.value: a for a in Action}


def row_to_neighbour(row: asyncpg.Record) -> Neighbour:
    # Ids outside today's vocabulary (a renamed tag) are dropped rather than failing the search.
    return Neighbour(
        case_id=row["case_id"],
        similarity=float(row["similarity"]),
        sector=row["sector"],
        category=row["category"],
        tags=frozenset(_TAGS[t] for t in row["tags"] if t in _TAGS),
        actions_taken=tuple(_ACTIONS[a] for a in row["actions_taken"] if a in _ACTIONS),
        outcome=row["outcome"],
        days_to_resolve=row["days_to_resolve"],
        own=row["own"],
        union_id=row["union_id"],
        text=row["text"],
        resolution_note=row["resolution_note"],
        workplace=row["workplace"],
    )


def search_settings(limit: int, *, iterative_scan: bool = True) -> dict[str, str]:
    """The planner and pgvector settings of one case search (benchmarks read them from here).

    - hnsw.ef_search: the walk's candidate list, 5 × limit within [MIN_EF_SEARCH, MAX_EF_SEARCH].
    - enable_seqscan = off: with a wide candidate list the planner prices the index walk above a
      full sort of a small table (measured at 10k: 26 ms instead of 2 ms); the index is always
      right here.
    - hnsw.iterative_scan = relaxed_order (pgvector >= 0.8): the sharing and category filters are
      applied after the graph walk; without it a union with few visible cases, or a rare
      category, could get fewer than `limit` rows back.
    """
    settings = {
        "hnsw.ef_search": str(min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, 5 * limit))),
        "enable_seqscan": "off",
    }
    if iterative_scan:
        settings["hnsw.iterative_scan"] = "relaxed_order"
    return settings


async def apply_search_settings(
    conn: asyncpg.Connection, limit: int, *, iterative_scan: bool = True
) -> None:
    """SET LOCAL every search setting in one round trip: they die with the caller's transaction,
    so the pooled connection stays clean."""
    settings = search_settings(limit, iterative_scan=iterative_scan)
    await conn.execute(
        "SELECT set_config(name, value, true)"
        " FROM unnest($1::text[], $2::text[]) AS s(name, value)",
        list(settings),
        list(settings.values()),
    )


def search_query(
    vector: Vector,
    *,
    union_id: str,
    embedding_version: str,
    limit: int,
    category: str | None = None,
) -> tuple[str, list[object]]:
    """The SQL and arguments of one `search_cases` call (benchmarks and tests EXPLAIN them)."""
    args: list[object] = [vector, union_id, embedding_version, limit]
    if category is not None:
        args.append(category)
    return search_cases_sql(len(vector), in_category=category is not None), args


async def search_cases(
    conn: asyncpg.Connection,
    vector: Vector,
    *,
    union_id: str,
    embedding_version: str,
    limit: int,
    iterative_scan: bool = True,
    category: str | None = None,
    preset: Mapping[str, str] | None = None,
) -> list[Neighbour]:
    """Nearest cases the union may see (of `category` if given), most similar first
    (anonymised unless its own). `preset`: the search settings `conn` carries for its session
    (`open_search_pool`); when they are this search's, it runs without a transaction."""
    sql, args = search_query(
        vector,
        union_id=union_id,
        embedding_version=embedding_version,
        limit=limit,
        category=category,
    )
    if preset is not None and preset == search_settings(limit, iterative_scan=iterative_scan):
        rows = await conn.fetch(sql, *args)
        return _most_similar_first(rows)
    async with conn.transaction():
        await apply_search_settings(conn, limit, iterative_scan=iterative_scan)
        rows = await conn.fetch(sql, *args)
        if category is not None and not iterative_scan and len(rows) < limit:
            # pgvector < 0.8 stops after ef_search candidates, most of them of other
            # categories: search the category exactly instead (a sort of its rows).
            await conn.execute("SET LOCAL enable_indexscan = off")
            await conn.execute("SET LOCAL enable_seqscan = on")
            rows = await conn.fetch(sql, *args)
    return _most_similar_first(rows)


def _most_similar_first(rows: Iterable[asyncpg.Record]) -> list[Neighbour]:
    # relaxed_order may return rows slightly out of order.
    return sorted((row_to_neighbour(row) for row in rows), key=lambda n: -n.similarity)


# BM25 in SQL, the same formula as `Bm25` (statistics over all cases of the embedding version),
# over the cases the union may see that share a term with the query (GIN index on `lexemes`):
# the best $4 of them. One pass over the cases holding a query term yields each term's document
# frequency and each case's term frequencies, so the query costs one GIN lookup instead of one
# per term; only the chosen cases are read whole (their vectors are TOASTed).
# The projection is CASE_COLUMNS: another union's case leaves the database anonymised.
LEXICAL_SEARCH_SQL = f"""
WITH corpus AS (
    SELECT count(*)::float8 AS n_docs, coalesce(avg(token_count), 0)::float8 AS avg_len
    FROM recommend.cases WHERE embedding_version = $3
), hits AS (
    SELECT c.case_id, c.token_count, c.union_id, l.lexeme AS term,
           cardinality(l.positions) AS tf
    FROM recommend.cases AS c
    CROSS JOIN LATERAL unnest(c.lexemes) AS l
    WHERE c.embedding_version = $3
      AND c.lexemes @@ to_tsquery('simple', $6)
      AND l.lexeme = ANY ($5::text[])
), idf AS (
    SELECT h.term, ln(1 + (corpus.n_docs - count(*) + 0.5) / (count(*) + 0.5)) AS idf
    FROM hits AS h CROSS JOIN corpus
    GROUP BY h.term, corpus.n_docs
), scored AS (
    SELECT h.case_id,
           sum(idf.idf * h.tf * ($7::float8 + 1)
               / (h.tf
                  + $7::float8 * (1 - $8::float8
                                  + $8::float8 * CASE WHEN corpus.avg_len > 0
                                                      THEN h.token_count / corpus.avg_len
                                                      ELSE 0 END)))
               AS score
    FROM hits AS h
    JOIN idf ON idf.term = h.term
    CROSS JOIN corpus
    WHERE h.union_id = $2
       OR h.union_id IN (SELECT u.union_id FROM recommend.unions AS u WHERE u.share_cases)
    GROUP BY h.case_id
), best AS (
    SELECT case_id, score FROM scored ORDER BY score DESC, case_id LIMIT $4
)
SELECT
{CASE_COLUMNS},
    b.score AS lexical_score
FROM best AS b
JOIN recommend.cases AS c ON c.case_id = b.case_id
ORDER BY b.score DESC, c.case_id
"""


async def search_cases_by_terms(
    conn: asyncpg.Connection,
    vector: Vector,
    terms: list[str],
    *,
    union_id: str,
    embedding_version: str,
    limit: int,
    k1: float,
    b: float,
) -> list[tuple[Neighbour, float]]:
    """The best `limit` visible cases holding one of `terms`, with their BM25 (parameters `k1`,
    `b`), best first."""
    # Terms are runs of letters and digits, so joining them with | is a valid tsquery.
    rows = await conn.fetch(
        LEXICAL_SEARCH_SQL,
        vector,
        union_id,
        embedding_version,
        limit,
        terms,
        " | ".join(terms),
        k1,
        b,
    )
    return [(row_to_neighbour(row), float(row["lexical_score"])) for row in rows]


# The service's own copy of the complaints it answered (table `recommend.complaints`).


async def remember_triaged(
    conn: asyncpg.Connection, event: ComplaintTriaged, answer_id: str
) -> None:
    """Store (or update, after a re-triage) a triaged complaint and the id of its answer."""
    await conn.execute(
        "INSERT INTO complaints (complaint_id, union_id, sector, text, workplace, category,"
        " secondary, tags, priority, embedding, embedding_version, submitted_at,"
        " recommended_event_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
        " ON CONFLICT (complaint_id) DO UPDATE SET category = EXCLUDED.category,"
        " secondary = EXCLUDED.secondary, tags = EXCLUDED.tags, priority = EXCLUDED.priority,"
        " embedding = EXCLUDED.embedding, embedding_version = EXCLUDED.embedding_version,"
        " recommended_event_id = EXCLUDED.recommended_event_id",
        event.complaint_id,
        event.union_id,
        event.sector.value,
        event.text,
        event.workplace,
        event.category.value,
        [c.value for c in event.secondary],
        [t.value for t in event.tags],
        event.priority.value,
        np.asarray(event.embedding, dtype=np.float32),
        event.embedding_version,
        event.submitted_at,
        answer_id,
    )


async def recategorize_complaint(conn: asyncpg.Connection, event: ComplaintRecategorized) -> None:
    """An officer's correction of a complaint's category, secondary categories and tags."""
    await conn.execute(
        "UPDATE complaints SET category = $2, secondary = $3,"
        " tags = coalesce($4, tags) WHERE complaint_id = $1",
        event.complaint_id,
        event.category.value,
        [c.value for c in event.secondary],
        None if event.tags is None else [t.value for t in event.tags],
    )


async def triaged_complaint(conn: asyncpg.Connection, complaint_id: UUID) -> asyncpg.Record | None:
    """The stored complaint (every column); None for one never triaged here."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM complaints WHERE complaint_id = $1", complaint_id
    )
    return row


async def nearby_complaints(
    conn: asyncpg.Connection,
    *,
    complaint_id: UUID,
    union_id: str,
    workplace: str,
    category: str,
    since: datetime,
    until: datetime,
    vector: np.ndarray,
    embedding_version: str,
    limit: int,
) -> list[asyncpg.Record]:
    """The union's other complaints of `category` at `workplace` submitted between `since` and
    `until`, nearest to `vector` first, with their cosine similarity."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT complaint_id, submitted_at, 1 - (embedding <=> $1) AS similarity"
        " FROM recommend.complaints WHERE union_id = $2 AND workplace IS NOT NULL"
        " AND lower(trim(workplace)) = lower(trim($3)) AND category = $4"
        " AND complaint_id <> $5 AND submitted_at BETWEEN $6 AND $7"
        " AND embedding_version = $9 ORDER BY embedding <=> $1 LIMIT $8",
        vector, union_id, workplace, category, complaint_id,
        since, until, limit, embedding_version,
    )  # fmt: skip
    return rows


async def link_related_complaints(
    conn: asyncpg.Connection, links: Sequence[tuple[UUID, UUID, float]]
) -> None:
    """Note (complaint, related complaint, similarity) links, both ways; known ones stay."""
    await conn.executemany(
        "INSERT INTO recommend.related_complaints (complaint_id, related_id, similarity)"
        " VALUES ($1, $2, $3), ($2, $1, $3) ON CONFLICT DO NOTHING",
        links,
    )


# Re-embedding (reembed.py): the tables whose rows carry an embedding of their text, the
# staging table the bulk path COPYs new vectors into, and the HNSW index of each dimension.

STAGING_COLUMNS = ("source", "id", "text_md5", "embedding", "embedding_version")


@dataclass(frozen=True)
class Table:
    """A table whose rows carry an embedding of their text."""

    name: str
    key: str
    key_type: str


async def stale_embedding_count(pool: asyncpg.Pool, version: str) -> int:
    """Cases and complaints whose vector another embedding version made."""
    count: int = await pool.fetchval(
        "SELECT (SELECT count(*) FROM recommend.cases WHERE embedding_version <> $1)"
        " + (SELECT count(*) FROM recommend.complaints WHERE embedding_version <> $1)",
        version,
    )
    return count


async def staged_vector_count(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval("SELECT count(*) FROM recommend.reembed_staging")
    return count


async def clear_staging(conn: asyncpg.Connection | asyncpg.Pool) -> None:
    await conn.execute("DELETE FROM recommend.reembed_staging")


async def stale_rows(
    pool: asyncpg.Pool, table: Table, version: str, limit: int
) -> list[asyncpg.Record]:
    """Up to `limit` rows (id, text) of `table` embedded by another version than `version`."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"SELECT {table.key} AS id, text FROM recommend.{table.name}"
        f" WHERE embedding_version <> $1 ORDER BY {table.key} LIMIT $2",
        version,
        limit,
    )
    return rows


async def update_embeddings(
    pool: asyncpg.Pool, table: Table, updates: Sequence[tuple[object, Vector, str]]
) -> None:
    """Put each (id, vector, version) of `updates` in place, unless that version is there."""
    await pool.executemany(
        f"UPDATE recommend.{table.name} SET embedding = $2, embedding_version = $3"
        f" WHERE {table.key} = $1 AND embedding_version <> $3",
        updates,
    )


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


async def unstaged_rows(
    pool: asyncpg.Pool, table: Table, version: str, limit: int
) -> list[asyncpg.Record]:
    """Up to `limit` stale rows (id, text, text_md5) of `table` not staged for `version`."""
    rows: list[asyncpg.Record] = await pool.fetch(_unstaged_sql(table), version, limit)
    return rows


async def stage_vectors(
    pool: asyncpg.Pool, table: Table, ids: list[str], records: Sequence[tuple[object, ...]]
) -> None:
    """COPY staging `records` (STAGING_COLUMNS) of `table`'s rows `ids`, in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        # A row staged before for an older text or model: replaced, COPY cannot upsert.
        await conn.execute(
            "DELETE FROM recommend.reembed_staging WHERE source = $1 AND id = ANY($2::text[])",
            table.name,
            ids,
        )
        await conn.copy_records_to_table(
            "reembed_staging", schema_name="recommend", columns=STAGING_COLUMNS,
            records=records,
        )  # fmt: skip


def _switch_sql(table: Table) -> str:
    return f"""
UPDATE recommend.{table.name} AS t
SET embedding = s.embedding, embedding_version = s.embedding_version
FROM recommend.reembed_staging AS s
WHERE s.source = '{table.name}' AND t.{table.key} = s.id::{table.key_type}
  AND s.embedding_version = $1 AND s.text_md5 = md5(t.text)
  AND t.embedding_version <> $1
"""


async def move_staged(conn: asyncpg.Connection, table: Table, version: str) -> int:
    """Move the staged vectors of `version` into `table`'s stale rows; how many moved."""
    status = await conn.execute(_switch_sql(table), version)
    return int(status.split()[-1])


async def case_index_valid(conn: asyncpg.Connection, dimension: int) -> bool | None:
    """Whether the HNSW index of `dimension` is valid; None when it does not exist."""
    valid: bool | None = await conn.fetchval(
        "SELECT i.indisvalid FROM pg_index AS i"
        " JOIN pg_class AS c ON c.oid = i.indexrelid"
        " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'recommend' AND c.relname = $1",
        case_index_name(dimension),
    )
    return valid


async def create_case_index(conn: asyncpg.Connection, dimension: int) -> None:
    await conn.execute(case_index_sql(dimension))


async def drop_case_index(conn: asyncpg.Connection, dimension: int) -> None:
    await conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS recommend.{case_index_name(dimension)}")
