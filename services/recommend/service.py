"""The one recommendation code path: embed → search similar cases → rank actions.

The Kafka handler (triaged events) and the `suggest` CLI both call `recommend` /
`recommend_many`, so what officers see and what the offline evaluation measures are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.recommend.dates import extract_key_dates
from services.recommend.deadlines import KeyDates
from services.recommend.models import (
    Complaint,
    Recommendation,
    SimilarCase,
    TextEmbedder,
    Vector,
)
from services.recommend.playbook import DEFAULT_PLAYBOOK, Playbook
from services.recommend.ranking import RANKING_VERSION, rank_actions
from services.recommend.rerank import TriageLabels
from services.recommend.retrieval import DEFAULT_K, CaseIndex
from services.runtime.businesstime import NATIONAL_CALENDAR, WorkCalendar

DEFAULT_TOP_ACTIONS = 6


async def recommend(
    complaint: Complaint,
    index: CaseIndex,
    *,
    embedder: TextEmbedder | None = None,
    vector: Vector | None = None,
    embedding_version: str | None = None,
    k: int = DEFAULT_K,
    top_actions: int = DEFAULT_TOP_ACTIONS,
    calendar: WorkCalendar = NATIONAL_CALENDAR,
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> Recommendation:
    """Recommend follow-up actions for `complaint` from the cases `index` lets its union see.

    Pass `vector` when the complaint was already embedded (batches), else an `embedder`.
    `playbook`: the shipped one unless the operator set their own file (`ADUAN_PLAYBOOK_FILE`).
    """
    if vector is None:
        if embedder is None:
            raise ValueError("recommend needs either the complaint's vector or an embedder")
        vector = embedder.embed([complaint.text])[0]
        embedding_version = embedding_version or embedder.version
    if complaint.key_dates is None:
        complaint = complaint.model_copy(update={"key_dates": _key_dates(complaint)})
    # A triaged complaint brings its labels: the search becomes category-aware (rerank.py).
    neighbours = await index.search(
        vector,
        union_id=complaint.union_id,
        k=k,
        sector=complaint.sector,
        text=complaint.text,
        labels=TriageLabels.of(complaint),
    )
    ranking = rank_actions(
        complaint, neighbours, top_n=top_actions, calendar=calendar, playbook=playbook
    )
    return Recommendation(
        complaint_id=complaint.complaint_id,
        category=ranking.category,
        category_inferred=ranking.category_inferred,
        priority=ranking.priority,
        actions=ranking.actions,
        similar_cases=[
            SimilarCase(
                case_id=n.case_id,
                similarity=round(n.similarity, 4),
                category=n.category,
                outcome=n.outcome,
                own=n.own,
            )
            for n in neighbours
        ],
        ranking_version=RANKING_VERSION,
        embedding_version=embedding_version,
    )


async def recommend_many(
    complaints: Sequence[Complaint],
    index: CaseIndex,
    embedder: TextEmbedder,
    *,
    k: int = DEFAULT_K,
    top_actions: int = DEFAULT_TOP_ACTIONS,
    calendar: WorkCalendar = NATIONAL_CALENDAR,
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> list[Recommendation]:
    """`recommend` for many complaints, embedding their texts in one batch call."""
    vectors: list[Vector] = list(embedder.embed([c.text for c in complaints])) if complaints else []
    return [
        await recommend(
            complaint,
            index,
            vector=vector,
            embedding_version=embedder.version,
            k=k,
            top_actions=top_actions,
            calendar=calendar,
            playbook=playbook,
        )
        for complaint, vector in zip(complaints, vectors, strict=True)
    ]


def _key_dates(complaint: Complaint) -> KeyDates:
    return extract_key_dates(
        complaint.text,
        reference=complaint.submitted_on or date.today(),
        occurred_on=complaint.occurred_on,
        category=complaint.category,
    )
