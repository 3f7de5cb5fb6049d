"""The heads' arithmetic: ridge through the Gram matrix, writer folds, held-out thresholds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from services.triage import heads
from services.triage.heads import RidgeFit, Views, best_f1_thresholds, writer_folds


class TestWriterFolds:
    """Held-out predictions always come from writers a fold did not train on."""

    def test_a_writer_is_never_on_both_sides(self) -> None:
        groups = ["a", "b", "c", "d", "e", None, None, "a", "c"]
        for train, test in writer_folds(groups, n_folds=3):
            assert not {groups[i] for i in train} & {groups[i] for i in test}

    def test_examples_without_a_writer_are_always_trained_on(self) -> None:
        groups = ["a", None, "b", None, "c"]
        folds = writer_folds(groups, n_folds=3)
        held_out = {int(i) for _, test in folds for i in test}
        assert held_out == {0, 2, 4}
        assert all({1, 3} <= set(train.tolist()) for train, _ in folds)

    def test_one_writer_gives_no_folds(self) -> None:
        assert writer_folds(["a", "a", None]) == []


class TestRidge:
    """The closed forms give sklearn's ridge answers, weights and intercept included."""

    def test_words_view_equals_sklearn_ridge(self) -> None:
        rng = np.random.default_rng(0)
        x = sp.random(60, 40, density=0.2, random_state=1, format="csr")
        y = np.sign(rng.normal(size=(60, 3)))
        weights = rng.uniform(0.3, 1.0, size=60)
        fit = RidgeFit.fit(Views(x, None), y, weights, folds=[])
        scale = heads.INTERCEPT_SCALE
        reference = Ridge(alpha=heads.WORDS_ALPHA, fit_intercept=False).fit(
            sp.hstack([x, np.full((60, 1), scale)]).toarray(), y, sample_weight=weights
        )
        expected = reference.predict(sp.hstack([x, np.full((60, 1), scale)]).toarray())
        assert np.allclose(fit.words.decision(x), expected, atol=1e-8)

    def test_gram_matrix_is_the_exact_product(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Common columns go through BLAS and rare ones stay sparse; together, exactly x x^T."""
        monkeypatch.setattr(heads, "GRAM_BLOCK", 64)  # several row blocks, the last one short
        rng = np.random.default_rng(2)
        common = sp.random(300, 5, density=0.9, random_state=3, format="csr")
        rare = sp.random(300, 300, density=0.005, random_state=4, format="csr")
        x = sp.hstack([common, rare], format="csr")[rng.permutation(300)]
        rows_with = np.diff(sp.csc_matrix(x).indptr)
        bar = heads.DENSE_COLUMN_SHARE * 300
        assert (rows_with >= bar).sum() >= 5 and ((rows_with > 0) & (rows_with < bar)).sum() > 50
        assert np.allclose(heads.gram_matrix(x), (x @ x.T).toarray(), rtol=0, atol=1e-12)

    def test_meaning_view_equals_sklearn_ridge(self) -> None:
        rng = np.random.default_rng(1)
        x = sp.csr_matrix((30, 1))
        e = rng.normal(size=(30, 5))
        y = np.sign(rng.normal(size=(30, 2)))
        fit = RidgeFit.fit(Views(x, e), y, np.ones(30), folds=[])
        scale = heads.INTERCEPT_SCALE
        design = np.hstack([e, np.full((30, 1), scale)])
        reference = Ridge(alpha=heads.MEANING_ALPHA, fit_intercept=False).fit(design, y)
        assert fit.meaning is not None
        assert np.allclose(fit.meaning.decision(e), reference.predict(design), atol=1e-8)

    def test_held_out_scores_come_from_models_without_those_writers(self) -> None:
        """A writer whose words appear nowhere else gets no help from its own labels."""
        x = sp.csr_matrix(np.eye(6))  # every row its own feature
        y = np.array([[1.0], [1.0], [1.0], [-1.0], [-1.0], [-1.0]])
        groups = ["a", "a", "b", "b", "c", "c"]
        fit = RidgeFit.fit(Views(x, None), y, np.ones(6), writer_folds(groups, 3))
        assert fit.held_out is not None
        # Only the intercept can speak for an unseen row: the fold's label balance.
        by_row = dict(zip(fit.held_out_rows.tolist(), fit.held_out.words[:, 0], strict=True))
        assert by_row[0] == by_row[1] and by_row[4] == by_row[5]


class TestThresholds:
    """A rare tag gets the bar that finds it on held-out writers."""

    def test_threshold_maximises_held_out_f1(self) -> None:
        proba = np.array([[0.9], [0.3], [0.32], [0.1], [0.05]] * 10)
        y = np.array([[1], [1], [1], [0], [0]] * 10)
        assert best_f1_thresholds(proba, y)[0] == 0.3

    def test_too_few_positives_keep_one_half(self) -> None:
        proba = np.array([[0.2]] * 20)
        y = np.array([[1]] * 3 + [[0]] * 17)
        assert best_f1_thresholds(proba, y)[0] == 0.5
