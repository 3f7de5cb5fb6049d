"""After the embedding model changes, the case base is re-embedded and searches never mix."""

from __future__ import annotations

import uuid

import asyncpg
import numpy as np
import numpy.typing as npt
import pytest

from services.recommend import reembed
from services.recommend.offline.starter import generate
from services.recommend.reembed import BATCH, reembed_batch, stale_count
from services.recommend.retrieval import PgCaseIndex
from services.recommend.store import case_index_name, import_cases
from tests.integration.recommend.plans import search_plan
from tests.unit.recommend.fakes import Hashing512Embedder, HashingEmbedder


class TestReembedding:
    """Cases move to the new model's vectors in batches; each search sees one version only."""

    async def test_cases_move_to_the_new_version_batch_by_batch(self, pool: asyncpg.Pool) -> None:
        cases = generate(per_category=4)  # 68 cases: two batches
        old, new = HashingEmbedder(), Hashing512Embedder()  # another dimension, too
        await import_cases(pool, cases, old)
        assert await stale_count(pool, new.version) == len(cases)

        assert await reembed_batch(pool, new) == BATCH
        old_query, new_query = (e.embed([cases[0].text])[0] for e in (old, new))
        # japbusi's cases sort on both sides of the first batch (by case_id).
        old_hits = await PgCaseIndex(pool, old.version).search(old_query, union_id="japbusi")
        new_hits = await PgCaseIndex(pool, new.version).search(new_query, union_id="japbusi")
        versions = await pool.fetch("SELECT case_id, embedding_version FROM recommend.cases")
        by_id = {r["case_id"]: r["embedding_version"] for r in versions}
        assert old_hits and all(by_id[n.case_id] == old.version for n in old_hits)
        assert new_hits and all(by_id[n.case_id] == new.version for n in new_hits)

        while await reembed_batch(pool, new):
            pass
        assert await stale_count(pool, new.version) == 0
        assert await PgCaseIndex(pool, old.version).search(old_query, union_id="japbusi") == []


class SaltedModel(HashingEmbedder):
    """Another model whose vectors differ from the old ones (so a moved vector is visible)."""

    version = "hashing-test@salted"

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return super().embed([" ".join(f"{w}#2" for w in t.split()) for t in texts])


async def _index_valid(pool: asyncpg.Pool, dimension: int) -> bool | None:
    valid: bool | None = await pool.fetchval(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = $1",
        case_index_name(dimension),
    )
    return valid


async def _add_complaint(pool: asyncpg.Pool, text: str, version: str) -> None:
    await pool.execute(
        "INSERT INTO recommend.complaints (complaint_id, union_id, sector, text, category,"
        " priority, embedding, embedding_version, submitted_at)"
        " VALUES ($1, 'spn', 'garment', $2, 'overtime', 'P3', $3, $4, now())",
        uuid.uuid4(),
        text,
        HashingEmbedder().embed([text])[0],
        version,
    )


class TestBulkReembedding:
    """Many stale rows: vectors are staged by COPY, then switched at once and the index rebuilt."""

    async def test_stage_then_switch_everything_at_once(
        self, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(reembed, "BULK_MIN", 10)
        cases = generate(per_category=4)  # 68 cases
        old, new = HashingEmbedder(), SaltedModel()
        await import_cases(pool, cases, old)
        await _add_complaint(pool, "lembur sampai malam", old.version)
        query = new.embed([cases[0].text])[0]

        staged = await reembed.stage_chunk(pool, new, limit=30)
        assert staged == 30 and await reembed.staged_count(pool) == 30
        # Staging leaves the case base alone: the old version still answers, the new one not yet.
        assert await reembed.stale_count(pool, new.version) == len(cases) + 1
        assert await PgCaseIndex(pool, old.version).search(query, union_id="spn")
        assert await PgCaseIndex(pool, new.version).search(query, union_id="spn") == []

        steps = []
        while step := await reembed.reembed_step(pool, new):
            steps.append(step)
        # The other 38 cases and the complaint in one staging chunk, then the switch of all.
        assert steps == [len(cases) - 30 + 1, len(cases) + 1]
        assert await reembed.stale_count(pool, new.version) == 0
        assert await reembed.staged_count(pool) == 0
        assert await _index_valid(pool, new.dimension) is True
        stored = await pool.fetchrow(
            "SELECT embedding FROM recommend.cases WHERE case_id = $1", cases[0].case_id
        )
        assert np.allclose(stored["embedding"].to_numpy(), query, atol=1e-6)
        hits = await PgCaseIndex(pool, new.version).search(query, union_id=cases[0].union, k=3)
        assert hits[0].case_id == cases[0].case_id and hits[0].similarity == pytest.approx(1.0)
        assert await PgCaseIndex(pool, old.version).search(query, union_id="spn") == []

    async def test_a_text_changed_after_staging_keeps_waiting(
        self, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(reembed, "BULK_MIN", 10)
        cases = generate(per_category=1)  # 17 cases
        old, new = HashingEmbedder(), SaltedModel()
        await import_cases(pool, cases, old)
        assert await reembed.stage_chunk(pool, new) == len(cases)
        edited = cases[0].model_copy(update={"text": cases[0].text + " (diralat)"})
        await import_cases(pool, [edited], old)  # still the old model, new text
        assert await reembed.switch_staged(pool, new.version, new.dimension) == len(cases) - 1
        assert await reembed.stale_count(pool, new.version) == 1
        # One stale row is below BULK_MIN: the incremental pass embeds the new text.
        assert await reembed.reembed_step(pool, new) == 1
        stored = await pool.fetchval(
            "SELECT embedding FROM recommend.cases WHERE case_id = $1", edited.case_id
        )
        assert np.allclose(stored.to_numpy(), new.embed([edited.text])[0], atol=1e-6)

    async def test_a_missing_or_invalid_index_is_built_again(self, pool: asyncpg.Pool) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, generate(per_category=1), embedder)
        index = case_index_name(embedder.dimension)
        await pool.execute(f"DROP INDEX recommend.{index}")
        async with pool.acquire() as conn:
            await reembed.ensure_case_index(conn, embedder.dimension)
        assert await _index_valid(pool, embedder.dimension) is True
        definition = await pool.fetchval(
            "SELECT pg_get_indexdef(c.oid) FROM pg_class c WHERE c.relname = $1", index
        )
        d = embedder.dimension
        assert definition.endswith(
            f"USING hnsw (((embedding)::vector({d})) vector_cosine_ops)"
            f" WHERE (vector_dims(embedding) = {d})"
        )


class TestReembeddingToAnotherDimension:
    """MiniLM (384) to USE (512): staged, switched, and searched through the 512 index."""

    async def test_every_row_ends_at_the_new_version_with_a_valid_index(
        self, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(reembed, "BULK_MIN", 10)
        cases = generate(per_category=4)  # 68 cases
        old, new = HashingEmbedder(), Hashing512Embedder()
        await import_cases(pool, cases, old)
        await _add_complaint(pool, "lembur sampai malam", old.version)

        while await reembed.reembed_step(pool, new):
            pass
        for table in ("cases", "complaints"):
            rows = await pool.fetch(
                f"SELECT DISTINCT embedding_version, vector_dims(embedding) FROM recommend.{table}"
            )
            assert [tuple(r) for r in rows] == [(new.version, new.dimension)], table
        assert await _index_valid(pool, new.dimension) is True
        query = new.embed([cases[0].text])[0]
        union = cases[0].union
        plan = await search_plan(pool, query, union_id=union, embedding_version=new.version)
        assert f"Index Scan using {case_index_name(new.dimension)}" in plan
        hits = await PgCaseIndex(pool, new.version).search(query, union_id=union, k=3)
        assert hits[0].case_id == cases[0].case_id
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
