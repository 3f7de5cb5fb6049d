"""Leave-one-writer-out: each writer is scored by a model that never read them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.triage.offline import crossval, training
from services.triage.offline.crossval import evaluate_by_writer
from services.triage.offline.generator import generate
from services.triage.offline.training import TrainingSet, written


@pytest.fixture(scope="module")
def small_corpus():
    """Generated complaints dealt out to three pretend writers."""
    examples = generate(240, seed=5)
    return [replace(e, writer=f"w{i % 3}", id=f"w{i % 3}-{i}") for i, e in enumerate(examples)]


@pytest.fixture
def trained_on(monkeypatch) -> list[set[str | None]]:
    """The writers each model of the split was trained on, in training order."""
    writers: list[set[str | None]] = []
    real_train = training.train

    def spying_train(training: TrainingSet, **kwargs):
        writers.append({e.writer for e in training.examples})
        return real_train(training, **kwargs)

    monkeypatch.setattr(crossval, "train", spying_train)
    return writers


class TestLeaveOneWriterOut:
    def test_no_model_trains_on_the_writer_it_scores(self, small_corpus, trained_on) -> None:
        """The whole point of the protocol: the writer left out is absent from training."""
        report = evaluate_by_writer(small_corpus, written([]), embedding_model=None, progress=False)
        assert sorted(report.writers) == ["w0", "w1", "w2"]
        assert trained_on == [{"w1", "w2"}, {"w0", "w2"}, {"w0", "w1"}]

    def test_pooled_report_covers_every_complaint_once(self, small_corpus) -> None:
        report = evaluate_by_writer(small_corpus, written([]), embedding_model=None, progress=False)
        assert report.pooled.n == len(small_corpus) == len(report.results)
        assert sum(r.n for r in report.writers.values()) == len(small_corpus)
        assert 0.0 <= report.pooled.category_macro_f1 <= 1.0

    def test_one_writer_is_refused(self, small_corpus) -> None:
        alone = [e for e in small_corpus if e.writer == "w0"]
        with pytest.raises(ValueError, match="at least two writers"):
            evaluate_by_writer(alone, written([]), embedding_model=None, progress=False)


class TestWriterFolds:
    """`--folds N`: the writers dealt out into N groups, one training per group, for a quicker
    comparison; still no model reads a writer it scores."""

    def test_each_group_is_left_out_once_and_never_read(self, small_corpus, trained_on) -> None:
        report = evaluate_by_writer(
            small_corpus, written([]), embedding_model=None, progress=False, folds=2
        )
        # Sorted writers dealt out in turn: {w0, w2} and {w1}.
        assert trained_on == [{"w1"}, {"w0", "w2"}]
        assert sorted(report.writers) == ["w0", "w1", "w2"]
        assert sum(r.n for r in report.writers.values()) == report.pooled.n == len(small_corpus)
        assert report.pooled.model_version == "2 writer folds"

    def test_as_many_folds_as_writers_is_leave_one_writer_out(self) -> None:
        assert crossval.writer_groups(["a", "b", "c"], 3) == [["a"], ["b"], ["c"]]
        assert crossval.writer_groups(["a", "b", "c"], None) == [["a"], ["b"], ["c"]]
        assert crossval.writer_groups(list("abcde"), 2) == [["a", "c", "e"], ["b", "d"]]

    def test_one_fold_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least two folds"):
            crossval.writer_groups(["a", "b", "c"], 1)
