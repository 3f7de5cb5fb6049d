"""Category-aware ordering: triage's labels decide which retrieved cases lead, similarity stays."""

from __future__ import annotations

import numpy as np
import pytest

from schemas.vocabulary import Action as A
from schemas.vocabulary import Category as C
from schemas.vocabulary import Outcome, Sector
from schemas.vocabulary import Tag as T
from services.recommend.cases import ResolvedCase
from services.recommend.models import Complaint
from services.recommend.rerank import (
    CATEGORY_BONUS,
    SECONDARY_BONUS,
    TAG_BONUS,
    TriageLabels,
    agreement,
    rerank,
    tag_overlap,
)
from services.recommend.retrieval import SECTOR_BOOST, InMemoryCaseIndex
from tests.unit.recommend.fakes import DIMENSION, neighbour

THR = TriageLabels(C.THR_HOLIDAY_ALLOWANCE, frozenset({C.EMPLOYMENT_STATUS_CONTRACTS}))


class TestAgreement:
    def test_primary_secondary_other(self) -> None:
        same = neighbour("a", 0.5, C.THR_HOLIDAY_ALLOWANCE, [])
        secondary = neighbour("b", 0.5, C.EMPLOYMENT_STATUS_CONTRACTS, [])
        other = neighbour("c", 0.5, C.OVERTIME, [])
        assert agreement(same, THR) == CATEGORY_BONUS
        assert agreement(secondary, THR) == SECONDARY_BONUS
        assert agreement(other, THR) == 0.0

    def test_tags_add_their_jaccard_overlap(self) -> None:
        labels = TriageLabels(C.OSH_SAFETY_HEALTH, tags=frozenset({T.INJURY, T.COLLECTIVE}))
        case = neighbour("a", 0.5, C.OVERTIME, [], tags={T.INJURY})
        assert tag_overlap(labels.tags, case.tags) == pytest.approx(1 / 2)
        assert agreement(case, labels) == pytest.approx(TAG_BONUS / 2)
        assert tag_overlap(frozenset(), frozenset()) == 0.0

    def test_labels_of_a_complaint(self) -> None:
        bare = Complaint(complaint_id="c", union_id="spn", text="x")
        assert TriageLabels.of(bare) is None
        triaged = bare.model_copy(
            update={"category": C.OVERTIME, "secondary": (C.OVERTIME, C.LEAVE_REST)}
        )
        labels = TriageLabels.of(triaged)
        assert labels is not None and labels.secondary == {C.LEAVE_REST}  # primary not repeated


class TestRerank:
    def test_same_category_leads_unless_another_is_much_closer(self) -> None:
        candidates = [
            neighbour("close-other", 0.70, C.OVERTIME, []),
            neighbour("same", 0.60, C.THR_HOLIDAY_ALLOWANCE, []),
            neighbour("secondary", 0.62, C.EMPLOYMENT_STATUS_CONTRACTS, []),
            neighbour("paraphrase-other", 0.95, C.OVERTIME, []),
        ]
        found = rerank(candidates, THR, None, 4, sector_boost=SECTOR_BOOST)
        assert [n.case_id for n in found] == [
            "paraphrase-other",
            "same",
            "secondary",
            "close-other",
        ]

    def test_similarity_stays_the_cosine_and_duplicates_merge(self) -> None:
        a = neighbour("a", 0.41, C.THR_HOLIDAY_ALLOWANCE, [])
        found = rerank([a, a, neighbour("b", 0.5, C.OVERTIME, [])], THR, None, 5, sector_boost=0)
        assert [n.case_id for n in found] == ["a", "b"]
        assert found[0].similarity == 0.41

    def test_sector_boost_still_applies(self) -> None:
        garment = neighbour("g", 0.50, C.THR_HOLIDAY_ALLOWANCE, [], sector=Sector.GARMENT)
        palm = neighbour("p", 0.52, C.THR_HOLIDAY_ALLOWANCE, [], sector=Sector.PALM_OIL)
        found = rerank([palm, garment], THR, Sector.GARMENT, 2, sector_boost=SECTOR_BOOST)
        assert [n.case_id for n in found] == ["g", "p"]


def case(case_id: str, category: C, union: str = "spn") -> ResolvedCase:
    return ResolvedCase(
        case_id=case_id,
        sector=Sector.GARMENT,
        union=union,
        text=f"teks {case_id}",
        category=category,
        actions_taken=[A.COLLECT_EVIDENCE],
        outcome=Outcome.RESOLVED,
        days_to_resolve=3,
    )


def unit(angle: float) -> np.ndarray:
    v = np.zeros(DIMENSION, dtype=np.float32)
    v[0], v[1] = np.cos(angle), np.sin(angle)
    return v


class TestInMemoryCategoryAware:
    """The filtered search brings the category's cases even when many others are closer."""

    def setup_method(self) -> None:
        # 60 overtime cases closer to the query (cosine 0.96-0.83) than the 3 THR cases (0.83-0.80):
        # the THR cases are outside the unfiltered top 50 and reach the pool only through the
        # category-filtered search; the category bonus then lifts them over the overtime cases.
        cases = [case(f"ot-{i:02d}", C.OVERTIME) for i in range(60)]
        cases += [case(f"thr-{i}", C.THR_HOLIDAY_ALLOWANCE) for i in range(3)]
        angles = [0.3 + 0.005 * i for i in range(60)] + [0.6, 0.62, 0.64]
        self.index = InMemoryCaseIndex(cases, np.stack([unit(a) for a in angles]))

    def test_labels_bring_the_category_first(self) -> None:
        found = self.index.search_sync(unit(0), union_id="spn", k=5, labels=THR)
        assert [n.case_id for n in found[:3]] == ["thr-0", "thr-1", "thr-2"]
        assert found[0].similarity == pytest.approx(float(np.cos(0.6)), abs=1e-6)

    def test_plain_without_labels_or_when_switched_off(self) -> None:
        plain = self.index.search_sync(unit(0), union_id="spn", k=5)
        assert all(n.category is C.OVERTIME for n in plain)
        off = self.index.search_sync(unit(0), union_id="spn", k=5, labels=THR, category_aware=False)
        assert [n.case_id for n in off] == [n.case_id for n in plain]

    def test_sharing_rules_hold_for_the_filtered_search(self) -> None:
        cases = [*self.index.cases, case("thr-other", C.THR_HOLIDAY_ALLOWANCE, union="garteks")]
        vectors = np.vstack([self.index.vectors, unit(0.0)[None, :]])  # the closest of all
        index = InMemoryCaseIndex(cases, vectors, sharing={"spn": False, "garteks": False})
        found = index.search_sync(unit(0), union_id="spn", k=10, labels=THR)
        assert "thr-other" not in {n.case_id for n in found}
        assert all(n.own for n in found)
