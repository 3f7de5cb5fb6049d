"""Category-aware ordering of retrieved cases, from what triage already said about the complaint.

A complaint reaches recommend triaged: category, up to two secondary categories, tags. A resolved
case of the same category is worth more to the officer than a slightly closer case of another
category: its actions follow the same playbook and the same law. The English MiniLM model places
informal Indonesian complaints of different categories close together (mean pairwise cosine of
the starter cases 0.55, sd 0.09), so similarity alone brings many cases of other categories.

So retrieval with labels does two things (retrieval.py, in memory and in PostgreSQL alike):
1. candidates: the usual (plain or hybrid) candidates plus the best cases *of the complaint's
   category* (`WHERE category = ...`), so a category the embedding separates badly still has
   its cases in the pool;
2. order: cosine similarity (with the same-sector boost) plus an agreement bonus for the primary
   category, a secondary category and shared tags.

The bonus only orders. `Neighbour.similarity` stays the cosine similarity, which is what the
explanation shows and what the ranking's relevance threshold is calibrated on: a same-category
case that is not similar still carries little weight in the action votes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas.vocabulary import Category, Sector, Tag
from services.recommend.models import Complaint, Neighbour

# About two standard deviations of the pairwise cosine between starter cases (sd 0.09): a case
# of another category comes first only when it is much closer, nearly a paraphrase.
CATEGORY_BONUS = 0.2
# A case of one of the complaint's secondary categories: half of that.
SECONDARY_BONUS = 0.1
# Times the Jaccard overlap of the tags (injury, minor_involved, precarious_status...): among
# cases of one category, those with the same harm and the same workers come first.
TAG_BONUS = 0.1
# Cases of the complaint's category each filtered search adds to the candidates.
CATEGORY_CANDIDATES = 50


@dataclass(frozen=True)
class TriageLabels:
    """What triage said about the complaint, as far as retrieval uses it."""

    category: Category
    secondary: frozenset[Category] = frozenset()
    tags: frozenset[Tag] = frozenset()

    @classmethod
    def of(cls, complaint: Complaint) -> TriageLabels | None:
        """The complaint's labels; None when it was not triaged (no category)."""
        if complaint.category is None:
            return None
        secondary = frozenset(complaint.secondary) - {complaint.category}
        return cls(complaint.category, secondary, complaint.tags)


def tag_overlap(a: frozenset[Tag], b: frozenset[Tag]) -> float:
    """Jaccard overlap; 0 when neither has tags."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def agreement(neighbour: Neighbour, labels: TriageLabels) -> float:
    """Bonus for agreeing with the triage labels, in [0, CATEGORY_BONUS + TAG_BONUS]."""
    if neighbour.category == labels.category:
        bonus = CATEGORY_BONUS
    elif neighbour.category in labels.secondary:
        bonus = SECONDARY_BONUS
    else:
        bonus = 0.0
    return bonus + TAG_BONUS * tag_overlap(labels.tags, neighbour.tags)


def merge(*lists: Iterable[Neighbour]) -> list[Neighbour]:
    """The candidates of several searches, each case once (first occurrence kept)."""
    pool: dict[str, Neighbour] = {}
    for neighbours in lists:
        for n in neighbours:
            pool.setdefault(n.case_id, n)
    return list(pool.values())


def rerank(
    candidates: Sequence[Neighbour],
    labels: TriageLabels,
    sector: Sector | None,
    k: int,
    *,
    sector_boost: float,
) -> list[Neighbour]:
    """The `k` best candidates by similarity (+ sector boost) + agreement with `labels`."""

    def key(n: Neighbour) -> tuple[float, str]:
        boost = sector_boost if sector is not None and n.sector == sector else 0.0
        # Rounded so that float noise between numpy and pgvector cannot swap two cases.
        return -round(n.similarity + boost + agreement(n, labels), 6), n.case_id

    return sorted(merge(candidates), key=key)[:k]
