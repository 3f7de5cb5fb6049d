"""In-memory similar-case search: sharing rules, anonymisation, same-sector boost."""

from __future__ import annotations

import numpy as np
import pytest

from schemas.vocabulary import Action, Category, Outcome, Sector
from services.recommend.cases import ResolvedCase
from services.recommend.models import shared_case_ref
from services.recommend.retrieval import InMemoryCaseIndex
from tests.unit.recommend.fakes import DIMENSION


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
    v = np.zeros(DIMENSION, dtype=np.float32)
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


class TestLexical:
    """BM25 over lower-cased word tokens with the workers' spelling variants in the query."""

    def test_tokens_and_variants(self) -> None:
        from services.recommend.retrieval import query_terms, tokenize

        assert tokenize("Gaji di-PHK 3,1jt 🙄 lembur_malam") == [
            "gaji", "di", "phk", "3", "1jt", "lembur", "malam",
        ]  # fmt: skip
        terms = query_terms("mungut brondol gak")
        assert {"brondol", "brondolan", "berondolan", "tidak", "nggak"} <= set(terms)
        assert len(terms) == len(set(terms))

    def test_function_words_are_not_searched_but_negation_and_kin_are(self) -> None:
        """Di, yang and saya are in most complaints: searching them costs and finds nothing."""
        from services.recommend.retrieval import query_terms

        terms = query_terms("Saya udah 3 bulan di PT Maju yang gajinya tidak dibayar, kata ibu")
        assert not {"saya", "udah", "sudah", "di", "yang"} & set(terms)
        assert {"3", "bulan", "pt", "maju", "gajinya", "tidak", "gak", "dibayar", "ibu"} <= set(
            terms
        )

    def test_a_spelling_group_is_all_function_words_or_none(self) -> None:
        """query_terms skips a function word with its variants: no group may mix the two."""
        from services.recommend.retrieval import QUERY_STOPWORDS, SPELLING_VARIANTS

        for group in SPELLING_VARIANTS:
            assert group <= QUERY_STOPWORDS or not group & QUERY_STOPWORDS, sorted(group)

    def test_bm25_prefers_rare_terms_and_short_documents(self) -> None:
        from services.recommend.retrieval import Bm25

        bm25 = Bm25(["gaji telat gaji", "gaji ijazah ditahan", "gaji", "lembur malam"])
        scores = bm25.scores("ijazah gaji", range(4))
        assert max(scores, key=lambda r: scores[r]) == 1  # the rare term decides
        assert 3 not in scores  # no shared term: not a lexical candidate
        assert scores[2] > 0 and scores[0] > 0  # a shared common term still counts a little

    def test_rrf(self) -> None:
        from services.recommend.retrieval import RRF_K, rrf_fuse

        fused = rrf_fuse(["a", "b"], ["b", "c"])
        assert fused["b"] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
        assert max(fused, key=lambda key: fused[key]) == "b"


class TestHybridSearch:
    """Hybrid search finds the lexical match the (hashing) vectors miss; plain stays plain."""

    def setup_method(self) -> None:
        from tests.unit.recommend.fakes import HashingEmbedder

        self.embedder = HashingEmbedder()
        texts = {
            "lembur": "lembur sampai malam gak dibayar",
            "thr": "THR dicicil tiga kali",
            "brondol": "istri ikut mungut berondolan di blok",
        }
        cases = [case(cid, "spn") for cid in texts]
        cases = [c.model_copy(update={"text": texts[c.case_id]}) for c in cases]
        self.cases = cases

    def index(self, hybrid: bool) -> InMemoryCaseIndex:
        return InMemoryCaseIndex.from_cases(self.cases, self.embedder, hybrid=hybrid)

    def test_spelling_variant_found_only_by_hybrid(self) -> None:
        query = "anak2 brondol"  # no word in common with any case: every cosine is 0
        vector = self.embedder.embed([query])[0]
        plain = self.index(False).search_sync(vector, union_id="spn", k=1, text=query)
        assert plain[0].case_id != "brondol"
        hybrid = self.index(True).search_sync(vector, union_id="spn", k=1, text=query)
        assert hybrid[0].case_id == "brondol"  # brondol -> berondolan, a spelling variant
        # The neighbour keeps its cosine similarity, which the ranking is calibrated on.
        assert hybrid[0].similarity == pytest.approx(0.0, abs=1e-6)

    def test_plain_ignores_text_and_hybrid_needs_it(self) -> None:
        vector = self.embedder.embed(["THR dicicil"])[0]
        plain = self.index(False).search_sync(vector, union_id="spn", k=3, text="lembur")
        assert plain[0].case_id == "thr"
        no_text = self.index(True).search_sync(vector, union_id="spn", k=3)
        assert [n.case_id for n in no_text] == [n.case_id for n in plain]

    def test_per_call_override_and_sharing_rules_hold(self) -> None:
        sharing = {"spn": False, "garteks": True, "japbusi": False}
        cases = [
            *self.cases,
            case("jap-1", "japbusi").model_copy(update={"text": "THR dicicil lagi"}),
            case("gar-1", "garteks").model_copy(update={"text": "THR dicicil juga"}),
        ]
        index = InMemoryCaseIndex.from_cases(cases, self.embedder, sharing=sharing, hybrid=False)
        vector = self.embedder.embed(["THR dicicil"])[0]
        found = index.search_sync(vector, union_id="spn", k=10, text="THR dicicil", hybrid=True)
        ids = {n.case_id for n in found}
        assert "jap-1" not in ids and shared_case_ref("jap-1") not in ids
        shared = next(n for n in found if not n.own)
        assert shared.case_id == shared_case_ref("gar-1") and shared.text is None

    async def test_recommend_passes_the_text(self) -> None:
        from services.recommend.models import Complaint
        from services.recommend.service import recommend

        complaint = Complaint(complaint_id="c", union_id="spn", text="anak2 brondol")
        result = await recommend(complaint, self.index(True), embedder=self.embedder, k=1)
        assert result.similar_cases[0].case_id == "brondol"
