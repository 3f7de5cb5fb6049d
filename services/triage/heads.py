"""The linear heads of the triage model, and the writer folds they are calibrated on.

Each head reads a complaint two ways: the *words* (character and word n-grams, cue counts,
sector) and the *meaning* (the sentence embedding). Per view, one ridge regression scores every
output at once (17 categories, 16 secondary categories, 41 tags, the emergency flag); a small
combiner per output, fitted on predictions for writers held out of training, decides how much each
view counts and turns the scores into probabilities.

Why ridge, and why two views combined late (leave-one-writer-out, category macro-F1, the corpus's
first eight writers with generated complaints beside them): logistic regression over both views
side by side 0.802, a logistic regression per view combined late 0.816, a ridge regression per
view combined late 0.855. Ridge also has a closed form: the words view is solved through its Gram
matrix (one Cholesky factorisation serves every output and every fold), the meaning view through
its small covariance matrix, so a model with held-out calibration trains in about a minute on two
cores where 58 logistic regressions per fold took several.

Everything fitted on held-out predictions (the combiners, the tag thresholds, the emergency
threshold) holds out *whole writers*: the model is always used on people whose writing it never
saw, so it must learn how sure to be from writers it did not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit, log_softmax, softmax
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

Floats = npt.NDArray[np.floating]
Fold = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]
C = TypeVar("C")

# Writer folds for the held-out predictions: four keeps a quarter of the writers out of each fit.
WRITER_FOLDS = 4
# Ridge penalties, compared on four writer folds of the corpus (category macro-F1): words 0.5 /
# 1 / 2 gave 0.897 / 0.893 / 0.885, tags and P1 alike; the meaning view's 0.3 / 1 / 3 changed
# nothing. (Chosen on the corpus the leave-one-writer-out figures come from, so those figures
# may be optimistic by about that difference.)
WORDS_ALPHA = 0.5
MEANING_ALPHA = 1.0
# Scale of the constant feature that carries the intercept: large enough that the ridge penalty
# on the intercept is negligible.
INTERCEPT_SCALE = 10.0
# Without held-out writers to fit a combiner on (a handful of corrections, a unit test).
DEFAULT_MIX = (1.0, 1.0)
# The words view's Gram matrix is dense: a few thousand n-grams (" ya", "saya") occur in most
# complaints, and multiplying those as sparse columns cost scipy's one-threaded product 75 s of
# the 14,880-complaint training. Columns found in at least this share of the rows are multiplied
# as one dense matrix by BLAS (both cores), the rest stay sparse: 2% made ~4,000 of 77,000 columns
# dense (a 500 MB copy beside the 1.8 GB Gram matrix, less than the sparse product held) and the
# Gram matrix took ~10 s, the same to 1e-13.
DENSE_COLUMN_SHARE = 0.02
# Rows per product (the common columns' GEMM, the rare ones' sparse product): no product of all
# rows is held at once.
GRAM_BLOCK = 1024

# Thresholds a binary head may get from its held-out F1. Outside this range a threshold would
# be fitted to a handful of held-out examples rather than to a real shift between writers.
THRESHOLD_GRID = np.round(np.arange(0.15, 0.71, 0.05), 2)
# Fewer held-out positives than this: keep 0.5, too few to place a threshold on.
MIN_POSITIVES_FOR_THRESHOLD = 15


@dataclass(frozen=True)
class Views:
    """One batch of complaints as the heads read it."""

    words: sp.csr_matrix
    meaning: Floats | None  # None: a model that reads no embeddings


def writer_folds(groups: Sequence[str | None], n_folds: int = WRITER_FOLDS) -> list[Fold]:
    """Folds over writers: each fold's test part is whole writers; examples without a writer
    (generated text, officers' corrections) are always trained on, never held out.

    Fewer than two writers: no folds (the caller falls back to fixed settings).
    """
    writers = sorted({g for g in groups if g is not None})
    if len(writers) < 2:
        return []
    n_folds = min(n_folds, len(writers))
    index = np.arange(len(groups))
    fold_of = {w: i % n_folds for i, w in enumerate(writers)}
    labels = np.array([-1 if g is None else fold_of[g] for g in groups])
    return [(index[labels != f], index[labels == f]) for f in range(n_folds)]


@dataclass(frozen=True)
class Linear:
    """A fitted linear scorer: decision = x @ weights + intercept (one column per output).

    `weights` is features x outputs and C-contiguous: a sparse row times a dense matrix needs
    that layout, and a transposed view made scipy copy the whole 120,000 x 115 matrix on every
    call (~100 ms for one complaint, most of what triaging it cost).
    """

    weights: Floats
    intercept: Floats

    def decision(self, x: sp.csr_matrix | Floats) -> Floats:
        return np.asarray(x @ self.weights + self.intercept)

    def columns(self, index: slice) -> Linear:
        return Linear(np.ascontiguousarray(self.weights[:, index]), self.intercept[index])


@dataclass(frozen=True)
class Scores:
    """Decision values of some outputs, per view, for some rows."""

    words: Floats
    meaning: Floats  # zeros for a model without embeddings

    def columns(self, index: slice) -> Scores:
        return Scores(self.words[:, index], self.meaning[:, index])


@dataclass(frozen=True)
class RidgeFit:
    """Every output's ridge regression per view, and their scores for held-out writers."""

    words: Linear
    meaning: Linear | None
    held_out: Scores | None
    held_out_rows: npt.NDArray[np.intp]

    @classmethod
    def fit(cls, views: Views, targets: Floats, weights: Floats, folds: Sequence[Fold]) -> RidgeFit:
        """`targets`: one column per output, +1 / -1."""
        words = _with_intercept(views.words)
        gram = gram_matrix(words)
        meaning = None if views.meaning is None else _dense_with_intercept(views.meaning)
        held_out, rows = _held_out_scores(gram, meaning, weights, targets, folds)
        # Last: the fit on every row factorises the Gram matrix in place, since a copy of it
        # would be the training's largest allocation (n² floats, 2.3 GB at 16,920 rows).
        # Training's peak is now the Gram matrix and one fold's copy, about 1.6 n² floats.
        dual = _solve_dual(gram, None, weights, targets)
        del gram
        final_words = _linear(np.asarray(words.T @ dual).T)
        final_meaning = None
        if meaning is not None:
            everything = np.arange(len(targets))
            final_meaning = _linear(_solve_primal(meaning, everything, weights, targets).T)
        return cls(final_words, final_meaning, held_out, rows)


def _held_out_scores(
    gram: Floats, meaning: Floats | None, weights: Floats, targets: Floats, folds: Sequence[Fold]
) -> tuple[Scores | None, npt.NDArray[np.intp]]:
    """Each fold's test rows scored by both views fitted on its training rows."""
    if not folds:
        return None, np.zeros(0, dtype=np.intp)
    parts: list[Scores] = []
    for train, test in folds:
        fold_dual = _solve_dual(gram, train, weights, targets)
        held_words = gram[np.ix_(test, train)] @ fold_dual
        held_meaning = np.zeros_like(held_words)
        if meaning is not None:
            held_meaning = meaning[test] @ _solve_primal(meaning, train, weights, targets)
        parts.append(Scores(held_words, held_meaning))
    rows = np.concatenate([test for _, test in folds])
    return Scores(np.vstack([p.words for p in parts]), np.vstack([p.meaning for p in parts])), rows


def gram_matrix(x: sp.csr_matrix) -> Floats:
    """x @ x.T as a dense array: common columns through BLAS, rare ones sparse (see
    DENSE_COLUMN_SHARE)."""
    columns = sp.csc_matrix(x)
    common = np.diff(columns.indptr) >= DENSE_COLUMN_SHARE * x.shape[0]
    dense = columns[:, np.flatnonzero(common)].toarray()
    gram: Floats = np.empty((x.shape[0], x.shape[0]))
    # Row blocks through GEMM, never `dense @ dense.T` in one product: numpy hands that to
    # OpenBLAS's SYRK, whose threaded driver crashed the process (SIGSEGV) on this machine's
    # AVX-512 kernels from about 15,500 rows (numpy's OpenBLAS 0.3.31, scipy's 0.3.30; not on one
    # thread, not with the AVX2 kernels). The training set passed that size when six writers
    # joined, and officers' corrections grow it further. GEMM does twice SYRK's arithmetic but
    # keeps both cores: 19 s at 16,920 rows.
    for start in range(0, x.shape[0], GRAM_BLOCK):
        gram[start : start + GRAM_BLOCK] = dense[start : start + GRAM_BLOCK] @ dense.T
    del dense
    rare = sp.csr_matrix(columns[:, np.flatnonzero(~common)])
    rare_t = sp.csr_matrix(rare.T)
    for start in range(0, x.shape[0], GRAM_BLOCK):
        product = sp.coo_matrix(rare[start : start + GRAM_BLOCK] @ rare_t)
        gram[start + product.row, product.col] += product.data
    return gram


def _with_intercept(x: sp.csr_matrix) -> sp.csr_matrix:
    constant = sp.csr_matrix(np.full((x.shape[0], 1), INTERCEPT_SCALE))
    return sp.hstack([x, constant], format="csr")


def _dense_with_intercept(x: Floats) -> Floats:
    return np.hstack([np.asarray(x, dtype=np.float64), np.full((len(x), 1), INTERCEPT_SCALE)])


def _linear(coef: Floats) -> Linear:
    """Split the constant feature's weight back out as the intercept."""
    return Linear(np.ascontiguousarray(coef[:, :-1].T), coef[:, -1] * INTERCEPT_SCALE)


def _solve_dual(
    gram: Floats, rows: npt.NDArray[np.intp] | None, weights: Floats, y: Floats
) -> Floats:
    """Weighted ridge through the Gram matrix: (K + alpha W^-1) A = Y; coefficients = X^T A.

    `rows` None fits every row and factorises `gram` itself, which is then no longer the Gram
    matrix; otherwise the rows' part is copied and `gram` kept.
    """
    if rows is None:
        system = gram
    else:
        system = gram[np.ix_(rows, rows)]
        weights, y = weights[rows], y[rows]
    system[np.diag_indices_from(system)] += WORDS_ALPHA / weights
    # On one BLAS thread: the threaded Cholesky (dpotrf) goes through the SYRK driver that
    # crashed `gram_matrix`'s one-product version, and crashed the same way. Two threads were
    # only 1.3 times faster (14.2 against 18.5 s at 14,880 rows).
    # The transpose: LAPACK factorises Fortran-ordered memory in place and would copy a C-ordered
    # matrix first (another n² floats); the system is symmetric, so its transpose is the same
    # matrix in Fortran order.
    with threadpool_limits(limits=1, user_api="blas"):
        factor = sla.cho_factor(system.T, lower=True, overwrite_a=True, check_finite=False)
    return np.asarray(sla.cho_solve(factor, y, check_finite=False))


def _solve_primal(x: Floats, rows: npt.NDArray[np.intp], weights: Floats, y: Floats) -> Floats:
    """Weighted ridge in feature space, for the few-hundred-dimension embeddings."""
    xw = x[rows] * weights[rows, None]
    system = x[rows].T @ xw + MEANING_ALPHA * np.eye(x.shape[1])
    return np.asarray(sla.solve(system, xw.T @ y[rows], assume_a="pos", check_finite=False))


def _decisions(words: Linear, meaning: Linear | None, views: Views) -> Scores:
    w = words.decision(views.words)
    if meaning is None or views.meaning is None:
        return Scores(w, np.zeros_like(w))
    return Scores(w, meaning.decision(views.meaning))


# --------------------------------------------------------------------------- one label of many
@dataclass(frozen=True)
class SoftmaxHead:
    """The category: softmax(a·words + b·meaning) over the per-view category scores.

    (a, b) minimise the log loss on held-out writers, so they also set the temperature: the
    confidence an officer sees is calibrated for people the model never read.
    """

    classes: tuple[str, ...]
    words: Linear
    meaning: Linear | None
    mix: tuple[float, float]

    def proba(self, views: Views) -> Floats:
        scores = _decisions(self.words, self.meaning, views)
        a, b = self.mix
        return np.asarray(softmax(a * scores.words + b * scores.meaning, axis=1))

    @classmethod
    def from_fit(
        cls,
        fit: RidgeFit,
        index: slice,
        classes: tuple[str, ...],
        labels: npt.NDArray[np.intp],
    ) -> SoftmaxHead:
        """`labels`: each training row's class index."""
        meaning = fit.meaning.columns(index) if fit.meaning else None
        if fit.held_out is None:
            return cls(classes, fit.words.columns(index), meaning, DEFAULT_MIX)
        held = fit.held_out.columns(index)
        mix = fit_softmax_mix(held, labels[fit.held_out_rows], meaning is not None)
        return cls(classes, fit.words.columns(index), meaning, mix)


def fit_softmax_mix(
    scores: Scores, target: npt.NDArray[np.intp], with_meaning: bool
) -> tuple[float, float]:
    """(a, b) >= 0 minimising the held-out log loss of softmax(a·words + b·meaning)."""

    def loss(mix: Floats) -> float:
        z = log_softmax(mix[0] * scores.words + mix[1] * scores.meaning, axis=1)
        return float(-z[np.arange(len(target)), target].mean())

    bounds = [(0.0, 100.0), (0.0, 100.0 if with_meaning else 0.0)]
    best = minimize(loss, (1.0, 1.0 if with_meaning else 0.0), method="L-BFGS-B", bounds=bounds)
    return float(best.x[0]), float(best.x[1])


# --------------------------------------------------------------------------- any number of labels
@dataclass(frozen=True)
class BinaryHeads(Generic[C]):
    """One yes/no per column (a tag, a category present, an emergency).

    Per column, p = sigmoid(a·words + b·meaning + c) with (a, b, c) fitted on held-out writers,
    then the threshold with the best held-out F1: on a writer it never read a head is less sure,
    and rare tags need a lower bar than 0.5 to be found at all.
    """

    columns: tuple[C, ...]
    words: Linear
    meaning: Linear | None
    combiner: Floats  # columns x 3: a, b, c
    thresholds: Floats

    def proba(self, views: Views) -> Floats:
        return _combine(self.combiner, _decisions(self.words, self.meaning, views))

    def clause_scores(self, views: Views) -> Floats:
        """Every column's words-view score of each row, scaled as the combiner weighs it: which
        clause of a complaint speaks most for a tag. One product for all columns; scaling the
        scores rather than the weights spares a copy of the weight matrix."""
        return np.asarray(views.words @ self.words.weights) * self.combiner[:, 0]

    @classmethod
    def from_fit(
        cls, fit: RidgeFit, index: slice, columns: Sequence[C], y: npt.NDArray[np.int_]
    ) -> tuple[BinaryHeads[C], HeldOut | None]:
        """The heads, and their probabilities for the rows of the held-out writers."""
        meaning = fit.meaning.columns(index) if fit.meaning else None
        n = len(columns)
        # Without held-out writers: the ridge scores are +1/-1 targets; 4 maps them to ~0.98.
        combiner = np.tile([4.0, 4.0 if meaning else 0.0, 0.0], (n, 1))
        thresholds = np.full(n, 0.5)
        words = fit.words.columns(index)
        if fit.held_out is None:
            return cls(tuple(columns), words, meaning, combiner, thresholds), None
        held = fit.held_out.columns(index)
        rows = fit.held_out_rows
        combiner = fit_binary_mix(held, y[rows])
        proba = _combine(combiner, held)
        thresholds = best_f1_thresholds(proba, y[rows])
        return cls(tuple(columns), words, meaning, combiner, thresholds), HeldOut(rows, proba)


@dataclass(frozen=True)
class HeldOut:
    """Probabilities for the examples of writers held out of training (`rows` of the input)."""

    rows: npt.NDArray[np.intp]
    proba: Floats


def _combine(combiner: Floats, scores: Scores) -> Floats:
    a, b, c = combiner.T
    return np.asarray(expit(a * scores.words + b * scores.meaning + c))


def fit_binary_mix(scores: Scores, y: npt.NDArray[np.int_]) -> Floats:
    """Per column (a, b, c): a logistic regression of the label on the two held-out scores."""
    combiner = np.tile([4.0, 0.0, 0.0], (y.shape[1], 1))
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():
            combiner[j] = [0.0, 0.0, 30.0 if y[0, j] else -30.0]
            continue
        x = np.column_stack([scores.words[:, j], scores.meaning[:, j]])
        # Barely regularised: two weights and an intercept, fitted on thousands of rows.
        model = LogisticRegression(C=100.0, max_iter=1000).fit(x, y[:, j])
        combiner[j] = [*np.maximum(model.coef_[0], 0.0), model.intercept_[0]]
    return combiner


def best_f1_thresholds(
    proba: Floats, y: npt.NDArray[np.int_], default: Floats | None = None
) -> Floats:
    """Per column, the grid threshold with the best held-out F1 (`default`, or 0.5, when
    positives are few)."""
    thresholds = np.full(y.shape[1], 0.5) if default is None else np.array(default, dtype=float)
    for j in range(y.shape[1]):
        positives = int(y[:, j].sum())
        if positives < MIN_POSITIVES_FOR_THRESHOLD:
            continue
        predicted = proba[:, j][:, None] >= THRESHOLD_GRID[None, :]
        hits = (predicted & (y[:, j][:, None] == 1)).sum(axis=0)
        f1 = 2 * hits / (predicted.sum(axis=0) + positives)
        # Of equally good thresholds, the highest: fewer tags an officer must read past.
        best = len(f1) - 1 - int(np.argmax(f1[::-1]))
        thresholds[j] = THRESHOLD_GRID[best]
    return thresholds
