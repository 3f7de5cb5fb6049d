"""Evaluation metrics on hand-made rankings, the baselines, and the eval harness end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from schemas.vocabulary import Action as A
from schemas.vocabulary import Category as C
from schemas.vocabulary import Outcome, Priority, Sector
from services.recommend.cases import ResolvedCase
from services.recommend.offline.evaluation import (
    GOLD,
    NO_LABELS,
    TRIAGED,
    EvalComplaint,
    TriageOutput,
    category_precision_at_k,
    constant_actions,
    evaluate,
    first_action_correct,
    graded_gain,
    hit_at_k,
    ndcg_at_k,
    playbook_actions,
    precision_at_k,
    read_complaints,
    read_triaged,
    score_system,
)
from tests.unit.recommend.fakes import HashingEmbedder

WANT = [A.COLLECT_EVIDENCE, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION, A.POLICE_REPORT]
GOLD_DATA = Path(__file__).resolve().parents[2] / "data" / "domain_examples_actions.jsonl"


def item(
    gold: list[A],
    priority: Priority = Priority.P3,
    category: C = C.OVERTIME,
    text: str = "x",
    id: int = 1,
) -> EvalComplaint:
    return EvalComplaint(id=id, text=text, category=category, priority=priority, actions=gold)


class TestGradedNdcg:
    """Gain len(gold) - r for the gold action at rank r; normalised by the gold list itself."""

    def test_gains_follow_the_gold_order(self) -> None:
        assert [graded_gain(a, WANT) for a in WANT] == [4.0, 3.0, 2.0, 1.0]
        assert graded_gain(A.THR_COMPLAINT_POST, WANT) == 0.0

    def test_gold_order_scores_one(self) -> None:
        assert ndcg_at_k(WANT, WANT) == pytest.approx(1.0)
        assert ndcg_at_k(WANT[:3], WANT) == pytest.approx(1.0)

    def test_swapping_the_first_two_costs_by_hand(self) -> None:
        ideal = 4 + 3 / math.log2(3) + 2 / 2
        swapped = 3 + 4 / math.log2(3) + 2 / 2
        predicted = [A.CALCULATE_ENTITLEMENT, A.COLLECT_EVIDENCE, A.BIPARTITE_NEGOTIATION]
        assert ndcg_at_k(predicted, WANT) == pytest.approx(swapped / ideal)

    def test_a_wrong_first_action_costs_more_than_a_wrong_third(self) -> None:
        wrong_first = [A.THR_COMPLAINT_POST, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION]
        wrong_third = [A.COLLECT_EVIDENCE, A.CALCULATE_ENTITLEMENT, A.THR_COMPLAINT_POST]
        assert ndcg_at_k(wrong_first, WANT) < ndcg_at_k(wrong_third, WANT) < 1.0

    def test_only_the_top_three_count(self) -> None:
        late = [A.THR_COMPLAINT_POST, A.SATGAS_PPKS_REFERRAL, A.BPJS_COMPLAINT, *WANT]
        assert ndcg_at_k(late, WANT) == 0.0
        assert ndcg_at_k([], WANT) == 0.0


class TestOtherMetrics:
    def test_precision_at_3(self) -> None:
        assert precision_at_k(WANT, WANT) == 1.0
        predicted = [A.POLICE_REPORT, A.THR_COMPLAINT_POST, A.COLLECT_EVIDENCE]
        assert precision_at_k(predicted, WANT) == pytest.approx(2 / 3)
        assert precision_at_k([A.COLLECT_EVIDENCE], WANT) == pytest.approx(1 / 3)

    def test_hit_at_3_is_lenient(self) -> None:
        assert hit_at_k([A.THR_COMPLAINT_POST, A.SATGAS_PPKS_REFERRAL, A.POLICE_REPORT], WANT)
        assert not hit_at_k([A.THR_COMPLAINT_POST, A.SATGAS_PPKS_REFERRAL], WANT)

    def test_first_action(self) -> None:
        assert first_action_correct(WANT, WANT) == 1.0
        assert first_action_correct(list(reversed(WANT)), WANT) == 0.0
        assert first_action_correct([], WANT) == 0.0

    def test_category_precision_counts_missing_ranks_as_misses(self) -> None:
        retrieved = [C.OVERTIME, C.OVERTIME, C.WAGES_MINIMUM_WAGE, C.OVERTIME, C.OTHER, C.OVERTIME]
        assert category_precision_at_k(retrieved, C.OVERTIME) == pytest.approx(3 / 5)
        assert category_precision_at_k([C.OVERTIME], C.OVERTIME) == pytest.approx(1 / 5)

    def test_p1_accuracy_is_over_p1_complaints_only(self) -> None:
        urgent = [A.URGENT_SAFETY_RESPONSE, A.COLLECT_EVIDENCE, A.BIPARTITE_NEGOTIATION]
        items = [item(urgent, Priority.P1), item(urgent, Priority.P1), item(WANT)]
        predicted = [urgent, [A.COLLECT_EVIDENCE, *urgent], [A.THR_COMPLAINT_POST]]
        scores = score_system("x", GOLD, items, predicted)
        assert scores.p1_complaints == 2 and scores.p1_first == pytest.approx(0.5)
        assert scores.category_p5 is None  # nothing retrieved
        assert score_system("x", GOLD, [item(WANT)], [WANT]).p1_first is None


def case(case_id: str, category: C, actions: list[A], text: str) -> ResolvedCase:
    return ResolvedCase(
        case_id=case_id,
        sector=Sector.GARMENT,
        union="spn",
        text=text,
        category=category,
        actions_taken=actions,
        outcome=Outcome.RESOLVED,
        days_to_resolve=5,
    )


class TestBaselines:
    def test_constant_is_the_most_frequent_actions_of_the_case_base(self) -> None:
        cases = [
            case("a", C.OVERTIME, [A.COLLECT_EVIDENCE, A.BIPARTITE_NEGOTIATION], "a"),
            case("b", C.OVERTIME, [A.BIPARTITE_NEGOTIATION, A.POLICE_REPORT], "b"),
            case("c", C.OVERTIME, [A.BIPARTITE_NEGOTIATION, A.POLICE_REPORT, A.POLICE_REPORT], "c"),
            case("d", C.OVERTIME, [A.THR_COMPLAINT_POST], "d"),
        ]
        # bipartite 3, police 2 (counted once per case), then a tie broken by vocabulary order
        assert constant_actions(cases) == [
            A.BIPARTITE_NEGOTIATION,
            A.POLICE_REPORT,
            A.COLLECT_EVIDENCE,
        ]

    def test_playbook_is_the_first_three_playbook_steps(self) -> None:
        assert playbook_actions(C.THR_HOLIDAY_ALLOWANCE)[0] is A.THR_COMPLAINT_POST
        assert playbook_actions(C.CHILD_LABOUR)[0] is A.CHILD_PROTECTION_REFERRAL
        assert len(playbook_actions(C.OVERTIME)) == 3


class TestGoldFile:
    """tests/data/domain_examples_actions.jsonl: the 40 DOMAIN examples with gold actions."""

    def test_gold_file_is_complete_and_valid(self) -> None:
        items, errors = read_complaints(GOLD_DATA)
        assert not errors and len(items) == 40
        assert {i.id for i in items} == set(range(1, 41))
        for i in items:
            assert 3 <= len(i.actions) <= 5 and len(set(i.actions)) == len(i.actions)

    def test_labels_match_the_schema_examples(self) -> None:
        source = Path(__file__).resolve().parents[3] / "schemas/examples/domain_examples.jsonl"
        original = [json.loads(line) for line in source.read_text().splitlines() if line]
        gold = [json.loads(line) for line in GOLD_DATA.read_text().splitlines() if line]
        for a, b in zip(original, gold, strict=True):
            assert {k: v for k, v in b.items() if k != "actions"} == a


class TestHarness:
    """`evaluate` runs every system through recommend_many, with and without triage labels."""

    @pytest.fixture()
    def cases(self) -> list[ResolvedCase]:
        return [
            case("t1", C.THR_HOLIDAY_ALLOWANCE, [A.THR_COMPLAINT_POST], "thr lebaran dicicil"),
            case("t2", C.THR_HOLIDAY_ALLOWANCE, [A.THR_COMPLAINT_POST], "thr belum cair lebaran"),
            case("o1", C.OVERTIME, [A.COLLECT_EVIDENCE], "lembur tidak dibayar"),
            case("o2", C.OVERTIME, [A.COLLECT_EVIDENCE], "lembur paksa sampai malam"),
        ]

    @pytest.fixture()
    def items(self) -> list[EvalComplaint]:
        gold = [A.THR_COMPLAINT_POST, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION]
        return [
            item(gold, Priority.P2, C.THR_HOLIDAY_ALLOWANCE, "thr lebaran dicicil lagi", id=1),
            item(
                [A.COLLECT_EVIDENCE, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION],
                text="lembur tidak dibayar lagi",
                id=2,
            ),
        ]

    async def test_systems_and_settings(
        self, cases: list[ResolvedCase], items: list[EvalComplaint]
    ) -> None:
        report = await evaluate(cases, items, HashingEmbedder(), k=5)
        names = [(s.system, s.setting) for s in report.systems]
        assert names == [
            ("constant", "any"),
            ("playbook", GOLD),
            ("plain", GOLD),
            ("hybrid", GOLD),
            ("category_aware", GOLD),
            ("playbook", NO_LABELS),
            ("plain", NO_LABELS),
            ("hybrid", NO_LABELS),
        ]
        plain = report.get("plain", GOLD)
        assert plain.ndcg3 == pytest.approx(1.0)  # playbook + matching cases agree with gold
        assert plain.category_p5 == pytest.approx(2 / 5)  # 2 same-category cases in the top 5
        # The complaint's category comes first; the two others fill the top 5.
        assert report.get("category_aware", GOLD).category_p5 == pytest.approx(2 / 5)
        assert report.get("constant", "any").category_p5 == pytest.approx(0.5)  # chance
        targets = report.to_json()["targets"]
        assert isinstance(targets, dict)
        assert set(targets) == {
            "plain (gold_labels)",
            "hybrid (gold_labels)",
            "category_aware (gold_labels)",
            "plain (no_labels)",
            "hybrid (no_labels)",
        }

    async def test_triage_output_changes_the_labels_not_the_gold(
        self, cases: list[ResolvedCase], items: list[EvalComplaint]
    ) -> None:
        # Triage got complaint 1 wrong: overtime instead of THR.
        wrong = TriageOutput(id=1, category=C.OVERTIME, priority=Priority.P3)
        right = TriageOutput(id=2, category=C.OVERTIME, priority=Priority.P3)
        triaged = {"1": wrong, "2": right}
        report = await evaluate(cases, items, HashingEmbedder(), k=5, triaged=triaged)
        assert report.settings == [GOLD, TRIAGED, NO_LABELS]
        gold, output = report.get("playbook", GOLD), report.get("playbook", TRIAGED)
        assert gold.per_complaint[0]["predicted"] == playbook_actions(C.THR_HOLIDAY_ALLOWANCE)
        assert output.per_complaint[0]["predicted"] == playbook_actions(C.OVERTIME)
        assert output.per_complaint[0]["gold"] == gold.per_complaint[0]["gold"]
        assert output.ndcg3 < gold.ndcg3
        assert [s.system for s in report.in_setting(TRIAGED)] == [
            "constant", "playbook", "plain", "hybrid", "category_aware",
        ]  # fmt: skip

    async def test_triage_output_must_cover_every_complaint(
        self, cases: list[ResolvedCase], items: list[EvalComplaint]
    ) -> None:
        only_one = {"1": TriageOutput(id=1, category=C.OVERTIME, priority=Priority.P3)}
        with pytest.raises(ValueError, match="no triage output for complaints 2"):
            await evaluate(cases, items, HashingEmbedder(), k=5, triaged=only_one)


class TestTriagedFile:
    """tests/data/domain_examples_triaged.jsonl: `aduan triage classify` output for the 40."""

    def test_one_line_per_example_in_the_classify_contract(self) -> None:
        triaged, errors = read_triaged(GOLD_DATA.with_name("domain_examples_triaged.jsonl"))
        assert not errors and set(triaged) == {str(i) for i in range(1, 41)}
        keys = {"id", "category", "secondary", "tags", "priority", "confidence"}
        keys |= {"needs_review", "emergency_score"}
        path = GOLD_DATA.with_name("domain_examples_triaged.jsonl")
        assert all(set(json.loads(line)) == keys for line in path.read_text().splitlines())

    def test_bad_lines_are_reported(self, tmp_path: Path) -> None:
        path = tmp_path / "t.jsonl"
        path.write_text('{"id": 1, "category": "overtime", "priority": "P3"}\n{"id": 2}\n')
        triaged, errors = read_triaged(path)
        assert set(triaged) == {"1"} and [e.line for e in errors] == [2]
