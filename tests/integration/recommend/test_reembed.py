"""After the embedding model changes, the case base is re-embedded and searches never mix."""

from __future__ import annotations

import asyncpg

from services.recommend.reembed import BATCH, reembed_batch, stale_count
from services.recommend.retrieval import PgCaseIndex
from services.recommend.starter import generate
from services.recommend.store import import_cases
from tests.unit.recommend.fakes import HashingEmbedder


class NewModel(HashingEmbedder):
    """Another model: same vectors are fine here, only the version must differ."""

    version = "hashing-test@2"


class TestReembedding:
    """Cases move to the new model's vectors in batches; each search sees one version only."""

    async def test_cases_move_to_the_new_version_batch_by_batch(self, pool: asyncpg.Pool) -> None:
        cases = generate(per_category=4)  # 68 cases: two batches
        await import_cases(pool, cases, HashingEmbedder())
        new = NewModel()
        assert await stale_count(pool, new.version) == len(cases)

        assert await reembed_batch(pool, new) == BATCH
        query = HashingEmbedder().embed([cases[0].text])[0]
        old_hits = await PgCaseIndex(pool, HashingEmbedder.version).search(query, union_id="spn")
        new_hits = await PgCaseIndex(pool, new.version).search(query, union_id="spn")
        versions = await pool.fetch("SELECT case_id, embedding_version FROM recommend.cases")
        by_id = {r["case_id"]: r["embedding_version"] for r in versions}
        assert all(by_id[n.case_id] == HashingEmbedder.version for n in old_hits)
        assert all(by_id[n.case_id] == new.version for n in new_hits)

        while await reembed_batch(pool, new):
            pass
        assert await stale_count(pool, new.version) == 0
        assert await PgCaseIndex(pool, HashingEmbedder.version).search(query, union_id="spn") == []
