"""Related complaints: many workers, one employer, one problem, suggests a collective case.

A new complaint is linked to the union's recent complaints about the same workplace and the same
category whose texts are close. Enough of them and the union is told to take it up collectively
(one bipartite for all, PKB demands, a lawful strike notice) instead of case by case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import numpy as np

from schemas.events import RecommendedAction, RelatedComplaint
from schemas.vocabulary import ACTION_LABELS, Action
from services.recommend.store import link_related_complaints, nearby_complaints

# Complaints about one problem at one workplace cluster within weeks; older ones are history.
WINDOW = timedelta(days=30)
# Same union, workplace and category already; the text must also be about the same thing.
# all-MiniLM scores Indonesian paraphrases of one grievance around 0.5-0.8 and unrelated
# complaints of one category around 0.2-0.4.
MIN_SIMILARITY = 0.5
# This complaint plus two others: three workers with one problem make a collective case.
COLLECTIVE_AT = 2
MAX_RELATED = 20


async def find_related(
    conn: asyncpg.Connection,
    *,
    complaint_id: UUID,
    union_id: str,
    workplace: str | None,
    category: str,
    submitted_at: datetime,
    vector: np.ndarray,
    embedding_version: str,
) -> list[RelatedComplaint]:
    """Link the complaint to its close recent neighbours at the same workplace, both ways."""
    if not workplace or not workplace.strip():
        return []
    rows = await nearby_complaints(
        conn,
        complaint_id=complaint_id,
        union_id=union_id,
        workplace=workplace,
        category=category,
        since=submitted_at - WINDOW,
        until=submitted_at + WINDOW,
        vector=vector,
        embedding_version=embedding_version,
        limit=MAX_RELATED,
    )
    related = [
        RelatedComplaint(
            complaint_id=r["complaint_id"],
            similarity=round(float(r["similarity"]), 4),
            submitted_at=r["submitted_at"],
        )
        for r in rows
        if r["similarity"] >= MIN_SIMILARITY
    ]
    await link_related_complaints(
        conn, [(complaint_id, r.complaint_id, r.similarity) for r in related]
    )
    return related


def collective_action(related: list[RelatedComplaint], workplace: str) -> RecommendedAction | None:
    """The collective-case suggestion, when enough workers raised the same problem."""
    if len(related) < COLLECTIVE_AT:
        return None
    return RecommendedAction(
        action=Action.COLLECTIVE_BARGAINING,
        label=ACTION_LABELS[Action.COLLECTIVE_BARGAINING],
        score=1.0,
        rationale=(
            f"{len(related) + 1} pengaduan dari {workplace} tentang masalah yang sama dalam "
            f"{WINDOW.days} hari terakhir: tangani sebagai kasus kolektif (satu perundingan "
            "bipartit untuk semua, tuntutan PKB, pemberitahuan mogok 7 hari kerja bila perlu)."
        ),
        evidence_to_collect=["daftar pekerja yang terdampak", "bukti yang sama dari tiap pekerja"],
        legal_basis=["UU 2/2004 (bipartit)", "UU 13/2003 Ps 137-145 (mogok)"],
        supporting_cases=[str(r.complaint_id) for r in related],
    )
