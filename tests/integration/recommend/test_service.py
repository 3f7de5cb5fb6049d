"""The recommend service on the real broker and Postgres: answers, related complaints, cases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from schemas.events import ComplaintSubmitted, ComplaintTriaged, UnionRegistered
from schemas.topics import COMPLAINT_RECOMMENDED, COMPLAINT_TRIAGED
from services.recommend.app import RecommendSettings, create_app
from services.stack.dlq import read_dead_letters, replay
from tests.support import DEAD_LETTERS, Infra, Record, read_topic, serving

PATIENCE_SECONDS = 3
# The default encoder's (multilingual USE): the embedding columns take any dimension.
DIMENSION = 512


def unit_vector(seed: int, noise: float = 0.0, base: int = 0) -> list[float]:
    """Vectors near `base`'s direction when noise is small: stand-ins for similar texts."""
    rng = np.random.default_rng(base)
    vector = rng.normal(size=DIMENSION)
    vector += noise * np.random.default_rng(seed).normal(size=DIMENSION)
    return [float(x) for x in vector / np.linalg.norm(vector)]


@dataclass
class RecommendUnderTest:
    infra: Infra

    async def triaged(
        self,
        *,
        workplace: str | None,
        vector: list[float],
        text: str,
        priority: str = "P3",
        category: str = "wages_minimum_wage",
        tags: tuple[str, ...] = ("collective",),
        submitted_by: str | None = "spn",
        union_id: str = "spn",
    ) -> str:
        """Publish a triaged complaint, after its submission by `submitted_by` (None: never)."""
        complaint_id = uuid.uuid4()
        if submitted_by is not None:
            await self.infra.publish(submitted(complaint_id, submitted_by, text))
        event = ComplaintTriaged(
            complaint_id=complaint_id, union_id=union_id, category=category, secondary=[],
            tags=list(tags), priority=priority, confidence=0.9, needs_review=False,
            model_version="test", embedding=vector, embedding_version="test-vectors",
            sector="garment", text=text, workplace=workplace,
            submitted_at=datetime.now(UTC), triaged_at=datetime.now(UTC),
        )  # fmt: skip
        await self.infra.publish(event)
        return str(complaint_id)

    async def answer(self, complaint_id: str) -> dict[str, object]:
        [record] = await read_topic(
            self.infra.kafka, self.infra.prefix + COMPLAINT_RECOMMENDED.name,
            where=lambda r: r.key == complaint_id,
        )  # fmt: skip
        answer: dict[str, object] = record.json()
        return answer

    async def answered(self) -> set[str]:
        """Every complaint answered so far (read after the answers waited for)."""
        records = await read_topic(
            self.infra.kafka, self.infra.prefix + COMPLAINT_RECOMMENDED.name,
            count=1_000, timeout=2,
        )  # fmt: skip
        return {r.key for r in records if r.key is not None}

    async def dead_letters(self, timeout: float = 30) -> list[Record]:
        return await read_topic(
            self.infra.kafka, self.infra.prefix + COMPLAINT_TRIAGED.dlq, timeout=timeout
        )


def submitted(complaint_id: uuid.UUID, union_id: str, text: str) -> ComplaintSubmitted:
    return ComplaintSubmitted(
        complaint_id=complaint_id, union_id=union_id, tracking_code="ADU-TEST", channel="app",
        sector="garment", kind="complaint", text=text, language="id", member=True,
        anonymous=False, workplace=None, occurred_on=None, submitted_at=datetime.now(UTC),
    )  # fmt: skip


@pytest.fixture()
async def recommend_service(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> AsyncIterator[RecommendUnderTest]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    union = UnionRegistered(union_id="spn", name="SPN", api_key_hash="x" * 64,
                            registered_at=datetime.now(UTC))  # fmt: skip
    await infra.publish(union)
    # A short patience: a triage for a complaint never submitted is dead-lettered in seconds.
    settings = RecommendSettings(**infra.settings(not_ready_patience_seconds=PATIENCE_SECONDS))
    async with serving(create_app(settings)):
        yield RecommendUnderTest(infra)


class TestOnlySubmittedComplaints:
    """A triaged event is answered only for a complaint intake accepted, for its own union."""

    async def test_a_triage_for_a_complaint_never_submitted_is_dead_lettered_unanswered(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        stray = await recommend_service.triaged(
            workplace="PT A", vector=unit_vector(1), text="pintu darurat digembok",
            submitted_by=None,
        )  # fmt: skip
        dead = await recommend_service.dead_letters(timeout=PATIENCE_SECONDS + 30)
        assert [d.key for d in dead] == [stray]
        assert dead[0].headers["x-dlq-error-type"] == "NotReady"
        # The partition moved on: a real complaint behind it is answered, the stray never.
        real = await recommend_service.triaged(
            workplace="PT A", vector=unit_vector(2), text="pintu darurat digembok lagi"
        )
        answer = await recommend_service.answer(real)
        assert answer["related_complaints"] == []
        assert await recommend_service.answered() == {real}

    async def test_a_dead_lettered_triage_is_answered_when_replayed_after_its_submission(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        """The operator's way out: `aduan dlq replay` once the missing event has come."""
        early = await recommend_service.triaged(
            workplace=None, vector=unit_vector(4), text="upah lembur tidak dibayar",
            submitted_by=None,
        )  # fmt: skip
        letters = await recommend_service.dead_letters(timeout=PATIENCE_SECONDS + 30)
        assert letters[0].headers["x-dlq-body"] == "sealed"
        infra = recommend_service.infra
        await infra.publish(submitted(uuid.UUID(early), "spn", "upah lembur tidak dibayar"))
        dlq = infra.prefix + COMPLAINT_TRIAGED.dlq
        report = await replay(infra.kafka, await read_dead_letters(infra.kafka, dlq), DEAD_LETTERS)
        assert [d.key for d in report.replayed] == [early.encode()]
        answer = await recommend_service.answer(early)
        assert answer["complaint_id"] == early

    async def test_a_triage_naming_another_union_than_the_submission_is_dead_lettered(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        forged = await recommend_service.triaged(
            workplace=None, vector=unit_vector(3), text="gaji dipotong", submitted_by="garteks"
        )
        [dead] = await recommend_service.dead_letters()
        assert dead.key == forged
        assert dead.headers["x-dlq-error-type"] == "ValueError"
        assert await recommend_service.answered() == set()


class TestRelatedComplaints:
    """Many workers, one employer, one problem: the union is told to act collectively."""

    async def test_third_similar_complaint_at_one_workplace_suggests_a_collective_case(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        ids = []
        for i in range(3):
            ids.append(await recommend_service.triaged(
                workplace="PT Sinar Garmen ", vector=unit_vector(i, noise=0.3),
                text=f"gaji dipotong tanpa alasan bulan ini ({i})",
            ))  # fmt: skip
            await recommend_service.answer(ids[-1])  # one at a time, in order
        third = await recommend_service.answer(ids[2])
        related = {r["complaint_id"] for r in third["related_complaints"]}  # type: ignore[attr-defined]
        assert related == {ids[0], ids[1]}
        assert third["collective_case_suggested"] is True
        assert third["actions"][0]["action"] == "collective_bargaining"  # type: ignore[index]
        first = await recommend_service.answer(ids[0])
        assert first["collective_case_suggested"] is False

    async def test_other_workplaces_and_other_problems_are_not_linked(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        await recommend_service.triaged(
            workplace="PT A", vector=unit_vector(1, 0.3), text="gaji telat"
        )
        await recommend_service.triaged(workplace="PT A", vector=unit_vector(2, 0.3, base=7),
                                        text="lembur paksa")  # fmt: skip
        await recommend_service.triaged(
            workplace="PT B", vector=unit_vector(3, 0.3), text="gaji telat"
        )
        last = await recommend_service.triaged(workplace="PT A", vector=unit_vector(4, 0.3),
                                               text="gaji telat lagi")  # fmt: skip
        answer = await recommend_service.answer(last)
        assert len(answer["related_complaints"]) == 1  # type: ignore[arg-type]
        assert answer["collective_case_suggested"] is False

    async def test_p1_safety_steps_stay_ahead_of_the_collective_case(
        self, recommend_service: RecommendUnderTest
    ) -> None:
        last = ""
        for i in range(3):
            last = await recommend_service.triaged(
                workplace="PT C", vector=unit_vector(i, 0.3), text=f"pintu darurat digembok {i}",
                priority="P1", category="osh_safety_health",
                tags=("immediate_danger", "collective"),
            )  # fmt: skip
            await recommend_service.answer(last)
        actions = [a["action"] for a in (await recommend_service.answer(last))["actions"]]  # type: ignore[attr-defined]
        assert actions.index("collective_bargaining") > actions.index("urgent_safety_response")
