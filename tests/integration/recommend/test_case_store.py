"""The case base in real PostgreSQL + pgvector: import, HNSW search, sharing, versions."""

from __future__ import annotations

import asyncpg
import pytest

from schemas.vocabulary import Outcome, Priority, Sector, Tag
from services.recommend.cases import ResolvedCase
from services.recommend.models import Complaint, shared_case_ref
from services.recommend.offline.starter import generate
from services.recommend.reembed import ensure_case_index
from services.recommend.retrieval import PgCaseIndex
from services.recommend.service import recommend
from services.recommend.store import (
    CaseSource,
    UpsertResult,
    case_index_name,
    import_cases,
    search_cases,
    set_union_sharing,
    upsert_case,
)
from tests.integration.recommend.plans import search_plan
from tests.unit.recommend.fakes import Hashing512Embedder, HashingEmbedder

pytestmark = pytest.mark.integration


@pytest.fixture()
def cases() -> list[ResolvedCase]:
    return generate(per_category=4)  # 68 cases, all four demo unions


class TestImport:
    """Upsert by case_id: re-imports change nothing and embed nothing."""

    async def test_reimport_is_a_no_op(self, pool: asyncpg.Pool, cases: list[ResolvedCase]) -> None:
        embedder = HashingEmbedder()
        first = await import_cases(pool, cases, embedder, batch_size=25)
        assert (first.inserted, first.updated, first.skipped) == (len(cases), 0, 0)
        assert embedder.texts_embedded == len(cases)
        stamp = await pool.fetchval("SELECT max(updated_at) FROM recommend.cases")

        again = await import_cases(pool, cases, embedder)
        assert (again.inserted, again.updated, again.skipped) == (0, 0, len(cases))
        assert embedder.texts_embedded == len(cases)  # nothing embedded the second time
        assert await pool.fetchval("SELECT count(*) FROM recommend.cases") == len(cases)
        assert await pool.fetchval("SELECT max(updated_at) FROM recommend.cases") == stamp

    async def test_changes_update_and_reembed_only_when_text_changes(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases[:3], embedder)
        changed = [
            cases[0].model_copy(update={"outcome": Outcome.NOT_RESOLVED}),
            cases[1].model_copy(update={"text": cases[1].text + " lagi"}),
            cases[2],
        ]
        report = await import_cases(pool, changed, embedder)
        assert (report.inserted, report.updated, report.skipped) == (0, 2, 1)
        assert embedder.calls[-1] == 1  # only the case whose text changed
        outcome = await pool.fetchval(
            "SELECT outcome FROM recommend.cases WHERE case_id = $1", cases[0].case_id
        )
        assert outcome == "not_resolved"

    async def test_embedding_version_and_source_are_stored(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases[:2], embedder)
        rows = await pool.fetch("SELECT embedding_version, source, synthetic FROM recommend.cases")
        assert {(r["embedding_version"], r["source"], r["synthetic"]) for r in rows} == {
            (embedder.version, "import", True)
        }
        stored = await pool.fetchval(
            "SELECT embedding FROM recommend.cases WHERE case_id = $1", cases[0].case_id
        )
        assert len(stored.to_list()) == embedder.dimension

    async def test_resolved_event_path_upsert(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        vector = HashingEmbedder().embed([cases[0].text])[0]
        async with pool.acquire() as conn:
            kwargs = {"vector": vector, "embedding_version": "v1", "source": CaseSource.RESOLVED}
            assert await upsert_case(conn, cases[0], **kwargs) is UpsertResult.INSERTED
            assert await upsert_case(conn, cases[0], **kwargs) is UpsertResult.UNCHANGED
            kwargs["embedding_version"] = "v2"
            assert await upsert_case(conn, cases[0], **kwargs) is UpsertResult.UPDATED

    async def test_new_unions_do_not_share_by_default(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        await import_cases(pool, cases, HashingEmbedder())
        rows = await pool.fetch("SELECT union_id, share_cases FROM recommend.unions")
        assert {r["union_id"] for r in rows} == {"spn", "garteks", "fsp_tsk", "japbusi"}
        assert not any(r["share_cases"] for r in rows)


class TestSearch:
    """HNSW cosine search with the sharing rules enforced in SQL."""

    async def test_hnsw_finds_own_case_first(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases, embedder)
        target = next(c for c in cases if c.union == "japbusi")
        index = PgCaseIndex(pool, embedder.version)
        found = await index.search(embedder.embed([target.text])[0], union_id="japbusi", k=5)
        assert found[0].case_id == target.case_id
        assert found[0].similarity == pytest.approx(1.0, abs=1e-5)
        assert found[0].own and found[0].text == target.text
        assert all(n.own for n in found)  # nobody shares yet

    async def test_query_plan_uses_the_hnsw_index(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases, embedder)
        vector = embedder.embed([cases[0].text])[0]
        plan = await search_plan(
            pool, vector, union_id=cases[0].union, embedding_version=embedder.version
        )
        assert f"Index Scan using {case_index_name(embedder.dimension)}" in plan
        async with pool.acquire() as conn:
            found = await search_cases(
                conn, vector, union_id=cases[0].union, embedding_version=embedder.version, limit=3
            )
        assert found[0].case_id == cases[0].case_id

    async def test_sharing_is_opt_in_and_anonymised(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases, embedder)
        spn_case = next(c for c in cases if c.union == "spn")
        vector = embedder.embed([spn_case.text])[0]
        index = PgCaseIndex(pool, embedder.version)

        hidden = await index.search(vector, union_id="japbusi", k=100)
        assert hidden and all(n.own for n in hidden)

        await set_union_sharing(pool, "spn", True)
        shared = await index.search(vector, union_id="japbusi", k=100)
        foreign = [n for n in shared if not n.own]
        assert foreign and {n.case_id for n in foreign}.isdisjoint({c.case_id for c in cases})
        assert shared_case_ref(spn_case.case_id) in {n.case_id for n in foreign}
        for n in foreign:
            assert n.union_id is None and n.workplace is None
            assert n.text is None and n.resolution_note is None
        # garteks and fsp_tsk did not opt in: only japbusi's own and spn's cases come back.
        spn_refs = {shared_case_ref(c.case_id) for c in cases if c.union == "spn"}
        assert {n.case_id for n in foreign} <= spn_refs

        await set_union_sharing(pool, "spn", False)
        assert all(n.own for n in await index.search(vector, union_id="japbusi", k=100))

    async def test_other_embedding_versions_are_not_compared(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases, embedder)
        index = PgCaseIndex(pool, "some-other-model@1")
        assert await index.search(embedder.embed(["gaji"])[0], union_id="spn", k=5) == []

    async def test_recommend_end_to_end(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        embedder = HashingEmbedder()
        await import_cases(pool, cases, embedder)
        complaint = Complaint(
            complaint_id="c-1",
            union_id="japbusi",
            text="THR BHL gak dibayar sama sekali, cuma dikasih sembako",
            sector=Sector.PALM_OIL,
            tags=frozenset({Tag.PRECARIOUS_STATUS}),
            priority=Priority.P3,
        )
        result = await recommend(complaint, PgCaseIndex(pool, embedder.version), embedder=embedder)
        assert result.embedding_version == embedder.version
        assert result.similar_cases and all(c.own for c in result.similar_cases)
        assert result.actions and all(a.rationale for a in result.actions)


class TestTwoDimensions:
    """384-d vectors of one model and 512-d vectors of another in one table (a model change
    half done): each search keeps to its version and walks its own dimension's index."""

    async def test_each_version_is_answered_through_the_index_of_its_dimension(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        half = len(cases) // 2
        by_model = ((HashingEmbedder(), cases[:half]), (Hashing512Embedder(), cases[half:]))
        for embedder, own in by_model:
            await import_cases(pool, own, embedder)
        async with pool.acquire() as conn:
            # The fixture built the 384 index, as the service of the old model would have.
            await ensure_case_index(conn, Hashing512Embedder.dimension)
        for embedder, own in by_model:
            target = own[0]
            vector = embedder.embed([target.text])[0]
            found = await PgCaseIndex(pool, embedder.version).search(
                vector, union_id=target.union, k=5
            )
            assert found[0].case_id == target.case_id
            assert found[0].similarity == pytest.approx(1.0, abs=1e-5)
            assert {n.case_id for n in found} <= {c.case_id for c in own}
            plan = await search_plan(
                pool, vector, union_id=target.union, embedding_version=embedder.version
            )
            assert f"Index Scan using {case_index_name(embedder.dimension)}" in plan

    async def test_a_vector_of_another_dimension_than_the_version_finds_nothing(
        self, pool: asyncpg.Pool, cases: list[ResolvedCase]
    ) -> None:
        old = HashingEmbedder()
        await import_cases(pool, cases, old)
        vector = Hashing512Embedder().embed([cases[0].text])[0]
        assert await PgCaseIndex(pool, old.version).search(vector, union_id="spn") == []
