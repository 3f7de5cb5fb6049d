"""Priority: rules, negation, and the emergency detector's decision."""

from __future__ import annotations

import numpy as np
import pytest

from schemas.vocabulary import Priority
from services.triage import priority
from services.triage.heads import BinaryHeads, Linear
from services.triage.normalize import normalize_text
from services.triage.priority import EmergencyDetector, danger_in_words, review_threshold


def _detector(review: float) -> EmergencyDetector:
    head = BinaryHeads(
        ("P1",), Linear(np.zeros((1, 1)), np.zeros(1)), None, np.zeros((1, 3)), np.full(1, 0.5)
    )
    return EmergencyDetector(head, review)


class TestDangerInWords:
    """A danger cue counts unless the worker says it did not happen."""

    @pytest.mark.parametrize(
        "text",
        [
            "pintu darurat lantai 2 digembok lagi",
            "kabel korsleting keluar asap di gudang",
            "dia jatuh dari pohon pas nunas",
            "pemanen tenggelam di parit / tak ada titian",
            "mandor ancam bacok kalau sy lapor serikat",
            "diancam dibunuh leader kl lapor",
            "tangga mess mau rubuh",
            "istri pergi bawa anak, sy tidak mau hidup lagi",
            "mbak yanti wis ra pengen urip sakwise dipecat",
            "gudang lem kobong",
        ],
    )
    def test_danger_is_seen(self, text: str) -> None:
        assert danger_in_words(normalize_text(text))

    @pytest.mark.parametrize(
        "text",
        [
            "tidak ada yang jatuh dari atap, cuma mau tanya soal lembur",
            "alhamdulillah tidak ada yang terbakar, cuma mau tanya soal lembur",
            "gak ada yg kesetrum kok, mau tanya cuti",
            "bukan soal ancam bunuh, cuma mau tanya soal premi",
        ],
    )
    def test_negated_danger_is_not(self, text: str) -> None:
        assert not danger_in_words(normalize_text(text))


class TestEmergencyDecision:
    """Uncertain emergencies go to the top of the queue, flagged; confident noes stay down."""

    def test_sure_score_is_p1_without_review(self) -> None:
        assert _detector(0.05).decide(0.7, Priority.P3) == (Priority.P1, False)

    def test_uncertain_score_is_p1_for_review(self) -> None:
        assert _detector(0.05).decide(0.2, Priority.P3) == (Priority.P1, True)

    def test_rule_p1_stands_unless_the_detector_is_sure_it_is_none(self) -> None:
        detector = _detector(0.3)
        assert detector.decide(priority.VETO + 0.01, Priority.P1) == (Priority.P1, False)
        assert detector.decide(priority.VETO / 2, Priority.P1) == (Priority.P3, False)

    def test_below_review_keeps_the_rules_p2_or_p3(self) -> None:
        assert _detector(0.3).decide(0.01, Priority.P2) == (Priority.P2, False)
        assert _detector(0.3).decide(0.01, Priority.P3) == (Priority.P3, False)


class TestReviewThreshold:
    """The threshold lets at most (1 - target) of held-out emergencies slip under it."""

    def test_recall_target_is_met_on_held_out_scores(self) -> None:
        rng = np.random.default_rng(0)
        scores = rng.uniform(size=1000)
        is_p1 = (rng.uniform(size=1000) < scores).astype(int)
        threshold = review_threshold(scores, is_p1)
        caught = (scores[is_p1 == 1] >= threshold).mean()
        assert caught >= priority.P1_RECALL_TARGET
        assert priority.REVIEW_FLOOR <= threshold <= priority.SURE

    def test_no_emergencies_keeps_the_sure_threshold(self) -> None:
        assert review_threshold(np.array([0.1, 0.2]), np.array([0, 0])) == priority.SURE
