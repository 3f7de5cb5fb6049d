"""In-memory similar-case search: sharing rules, anonymisation, same-sector boost."""

from __future__ import annotations

import numpy as np

from schemas.vocabulary import Action, Category, Outcome, Sector
from services.recommend.cases import ResolvedCase
from services.recommend.models import shared_case_ref
from services.recommend.retrieval import InMemoryCaseIndex


def case(case_id: str, union: str, sector: Sector = Sector.GARMENT) -> ResolvedCase:
    return ResolvedCase(
        case_id=case_id,
        sector=sector,
        union=union,
        text=f"teks {case_id}",
        category=Category.OVERTIME,
        actions_taken=[Action.BIPARTITE_NEGOTIATION],
        outcome=Outcome.RESOLVED,
        resolution_note="catatan rahasia",
        days_to_resolve=5,
        workplace="PT Contoh",
    )


def unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


class TestSharingRules:
    """Own cases always; other unions' only when they opted in, and then anonymised."""

    def setup_method(self) -> None:
        cases = [case("spn-1", "spn"), case("gar-1", "garteks"), case("jap-1", "japbusi")]
        vectors = np.stack([unit(1, 0.1), unit(1, 0.2), unit(1, 0.3)])
        sharing = {"spn": False, "garteks": True, "japbusi": False}
        self.index = InMemoryCaseIndex(cases, vectors, sharing=sharing)

    def test_union_sees_own_and_opted_in_cases_only(self) -> None:
        found = self.index.search_sync(unit(1, 0), union_id="spn", k=10)
        ids = {n.case_id for n in found}
        assert "spn-1" in ids
        assert shared_case_ref("gar-1") in ids
        assert "jap-1" not in ids and shared_case_ref("jap-1") not in ids

    def test_shared_cases_are_anonymised(self) -> None:
        found = self.index.search_sync(unit(1, 0), union_id="spn", k=10)
        shared = next(n for n in found if not n.own)
        assert shared.case_id.startswith("anon-") and "gar" not in shared.case_id
        assert shared.union_id is None and shared.workplace is None
        assert shared.text is None and shared.resolution_note is None
        assert shared.actions_taken == (Action.BIPARTITE_NEGOTIATION,)
        own = next(n for n in found if n.own)
        assert own.text == "teks spn-1" and own.workplace == "PT Contoh"

    def test_non_sharing_union_still_searches_own_cases(self) -> None:
        found = self.index.search_sync(unit(1, 0), union_id="japbusi", k=10)
        assert {n.case_id for n in found} == {"jap-1", shared_case_ref("gar-1")}

    def test_without_sharing_map_the_file_is_all_own(self) -> None:
        index = InMemoryCaseIndex(self.index.cases, self.index.vectors)
        found = index.search_sync(unit(1, 0), union_id="anyone", k=10)
        assert all(n.own for n in found) and len(found) == 3


class TestSectorBoost:
    """Same-sector cases come first when similarity is close, without filtering others."""

    def test_same_sector_lifted_over_slightly_closer_case(self) -> None:
        cases = [case("g", "spn", Sector.GARMENT), case("p", "spn", Sector.PALM_OIL)]
        query = unit(1, 0)
        garment = unit(1, 0.80)  # cos ≈ 0.78
        palm = unit(1, 0.70)  # cos ≈ 0.82
        index = InMemoryCaseIndex(cases, np.stack([garment, palm]))
        found = index.search_sync(query, union_id="spn", k=2, sector=Sector.GARMENT)
        assert [n.case_id for n in found] == ["g", "p"]
        assert found[0].similarity < found[1].similarity  # raw similarity is reported
        unboosted = index.search_sync(query, union_id="spn", k=2)
        assert [n.case_id for n in unboosted] == ["p", "g"]

    def test_k_limits_results(self) -> None:
        cases = [case(f"c{i}", "spn") for i in range(5)]
        index = InMemoryCaseIndex(cases, np.stack([unit(1, i / 10) for i in range(5)]))
        assert len(index.search_sync(unit(1, 0), union_id="spn", k=3)) == 3
