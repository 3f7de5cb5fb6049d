"""The triage model: category (calibrated), secondary categories, tags with evidence, priority.

Lexical by design: it trains in seconds on synthetic data, runs on two cores, and needs no weights
download. An embedding matrix can be supplied to `train` and `classify` later; it adds a second
calibrated category head whose probabilities are averaged in, and the lexical model keeps working
alone when no embeddings are given.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from schemas.vocabulary import Category, Priority, Tag
from services.triage.examples import Example
from services.triage.features import Featurizer, read_all
from services.triage.lexicon import TAG_ORDER, CueScan
from services.triage.priority import P1_TAGS, assess_priority

MODEL_FILE = "model.joblib"
REVIEW_THRESHOLD = 0.5  # below this calibrated confidence an officer checks the category
SECONDARY_THRESHOLD = 0.5
# One temperature for all 17 categories. Per-class sigmoids (Platt), renormalised across the
# classes, spread the probability thin: mean confidence 0.72 against 0.81 accuracy on held-out
# generated text and 0.74 against 0.93 on the DOMAIN examples. A temperature fitted on the same
# folds gives 0.81 / 0.81 and 0.90 / 0.95 (ECE 0.02 and 0.07).
CALIBRATION = "temperature"
TAG_THRESHOLD = 0.5
MAX_SECONDARY = 2

# Tags whose strong cues are precise enough to set the tag even when the classifier disagrees.
# P1 tags are here too: a missed danger costs more than an extra review.
LEXICON_TRUSTED: frozenset[Tag] = (
    frozenset(
        {
            Tag.INJURY,
            Tag.FATALITY,
            Tag.IMMEDIATE_DANGER,
            Tag.ILLNESS_SYMPTOMS,
            Tag.CHEMICAL_EXPOSURE,
            Tag.PHYSICAL_VIOLENCE,
            Tag.SEXUAL_VIOLENCE,
            Tag.SELF_HARM_RISK,
            Tag.PREGNANT_WORKER,
            Tag.PERSON_WITH_DISABILITY,
            Tag.PRECARIOUS_STATUS,
            Tag.UNION_MEMBER,
            Tag.ANONYMITY_REQUESTED,
            Tag.LEGAL_AID_REQUESTED,
            Tag.EMPLOYER_NAMED,
            Tag.LOCATION_NAMED,
            Tag.MONEY_AMOUNT_STATED,
            Tag.BUYER_OR_CERTIFICATION_LINK,
            Tag.DOCUMENT_RETENTION,
            Tag.DEBT_OR_RECRUITMENT_FEE,
            Tag.MIGRANT_WORKER,
            Tag.WANTS_COLLECTIVE_ACTION,
            Tag.MASS_LAYOFF_OR_CLOSURE,
        }
    )
    | P1_TAGS
)
# A lexicon-trusted tag is still dropped when the classifier is nearly sure it is absent (the cue
# sits in a context the training data teaches is not evidence, e.g. "bukan kontrak").
VETO_PROBABILITY = 0.03

Embeddings = npt.NDArray[np.floating] | None


@dataclass(frozen=True)
class TriageResult:
    """What triage says about one complaint. Every id stays inside the DOMAIN vocabulary."""

    category: Category
    secondary: list[Category]
    tags: list[Tag]
    evidence: dict[Tag, str]
    priority: Priority
    confidence: float
    needs_review: bool
    model_version: str


@dataclass
class _Heads:
    """The fitted estimators, kept together so one joblib file restores a model."""

    featurizer: Featurizer
    category: CalibratedClassifierCV
    presence: OneVsRestClassifier
    tags: OneVsRestClassifier
    tag_columns: list[Tag]
    presence_columns: list[Category]
    embedding_head: CalibratedClassifierCV | None = None


@dataclass
class TriageModel:
    """Train, save, load and classify. `version` names the data and time it was trained on."""

    version: str = "untrained"
    review_threshold: float = REVIEW_THRESHOLD
    training_size: int = 0
    _heads: _Heads | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ training
    def train(
        self, examples: Sequence[Example], embeddings: Embeddings = None, seed: int = 0
    ) -> TriageModel:
        """Fit every head on `examples`; returns self so `TriageModel().train(xs)` reads well."""
        if not examples:
            raise ValueError("cannot train on zero examples")
        scans = read_all([e.text for e in examples])
        sectors = [e.sector.value if e.sector else None for e in examples]
        featurizer = Featurizer()
        features = featurizer.fit_transform(scans, sectors)
        x = features.lexical
        y = np.array([e.category.value for e in examples])

        # tol 1e-3: synthetic data is nearly separable, and chasing the last digits of the
        # optimum costs most of the training time without changing a single prediction.
        category = CalibratedClassifierCV(
            LogisticRegression(C=8.0, max_iter=500, tol=1e-3, random_state=seed),
            method=CALIBRATION,
            cv=_calibration_folds(y),
        ).fit(features.full, y)
        presence_columns: list[Category] = [c for c in Category if c is not Category.OTHER]
        presence = _fit_multilabel(
            x, [{e.category, *e.secondary} for e in examples], presence_columns, seed
        )
        tag_columns = list(TAG_ORDER)
        tags = _fit_multilabel(x, [set(e.tags) for e in examples], tag_columns, seed)
        embedding_head = None
        if embeddings is not None:
            embedding_head = CalibratedClassifierCV(
                LogisticRegression(C=4.0, max_iter=3000, random_state=seed),
                method=CALIBRATION,
                cv=_calibration_folds(y),
            ).fit(np.asarray(embeddings), y)

        self._heads = _Heads(
            featurizer, category, presence, tags, tag_columns, presence_columns, embedding_head
        )
        self.training_size = len(examples)
        self.version = _version(examples, seed)
        return self

    # ------------------------------------------------------------------ inference
    def classify(
        self,
        texts: list[str],
        sectors: list[str | None] | None = None,
        embeddings: Embeddings = None,
    ) -> list[TriageResult]:
        """Triage a batch. `sectors` (garment/footwear/palm_oil) sharpen the vocabulary."""
        heads = self._require_heads()
        if not texts:
            return []
        sectors = sectors if sectors is not None else [None] * len(texts)
        if len(sectors) != len(texts):
            raise ValueError("sectors must have one entry per text")
        scans = read_all(texts)
        features = heads.featurizer.transform(scans, sectors)
        x = features.lexical

        category_proba = self._category_proba(features.full, embeddings)
        classes = [Category(c) for c in heads.category.classes_]
        presence = _positive_proba(heads.presence, x)
        tag_proba = _positive_proba(heads.tags, x)

        results = []
        tagged = [self._tags(scan, tag_proba[i]) for i, scan in enumerate(scans)]
        _quote_clauses(scans, tagged, heads)
        for i, scan in enumerate(scans):
            best = int(np.argmax(category_proba[i]))
            category = classes[best]
            confidence = float(category_proba[i][best])
            secondary = self._secondary(category, presence[i], heads.presence_columns)
            tags, evidence = tagged[i]
            priority = assess_priority(scan.text.text, tags, [category, *secondary])
            results.append(
                TriageResult(
                    category=category,
                    secondary=secondary,
                    tags=tags,
                    evidence=evidence,
                    priority=priority,
                    confidence=round(confidence, 4),
                    needs_review=confidence < self.review_threshold,
                    model_version=self.version,
                )
            )
        return results

    def category_scores(
        self, texts: list[str], sectors: list[str | None] | None = None
    ) -> list[dict[Category, float]]:
        """Every category's calibrated probability per text, for an officer weighing options."""
        heads = self._require_heads()
        sectors = sectors if sectors is not None else [None] * len(texts)
        features = heads.featurizer.transform(read_all(texts), sectors)
        proba = self._category_proba(features.full, None)
        classes = [Category(c) for c in heads.category.classes_]
        return [dict(zip(classes, map(float, row), strict=True)) for row in proba]

    def _category_proba(
        self, full: sp.csr_matrix, embeddings: Embeddings
    ) -> npt.NDArray[np.floating]:
        heads = self._require_heads()
        proba = calibrated_proba(heads.category, full)
        if embeddings is not None and heads.embedding_head is not None:
            proba = (proba + heads.embedding_head.predict_proba(np.asarray(embeddings))) / 2.0
        return proba

    @staticmethod
    def _secondary(
        primary: Category, presence: npt.NDArray[np.floating], columns: list[Category]
    ) -> list[Category]:
        ranked = sorted(zip(presence, columns, strict=True), key=lambda pc: -pc[0])
        return [c for p, c in ranked if c is not primary and p >= SECONDARY_THRESHOLD][
            :MAX_SECONDARY
        ]

    def _tags(
        self, scan: CueScan, proba: npt.NDArray[np.floating]
    ) -> tuple[list[Tag], dict[Tag, str]]:
        """Classifier OR trusted strong cue, with the cue as evidence where there is one."""
        cues = scan.hits()
        chosen: list[Tag] = []
        evidence: dict[Tag, str] = {}
        for tag, p in zip(self._require_heads().tag_columns, proba, strict=True):
            hit = cues.get(tag)
            trusted = hit is not None and hit.strong and tag in LEXICON_TRUSTED
            if p >= TAG_THRESHOLD or (trusted and p >= VETO_PROBABILITY):
                chosen.append(tag)
                if hit is not None:
                    evidence[tag] = hit.evidence
        return chosen, evidence

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> Path:
        """Write the fitted model into `directory` (created if missing); returns the file."""
        self._require_heads()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        joblib.dump(self, path, compress=3)
        return path

    @classmethod
    def load(cls, directory: Path) -> TriageModel:
        model = joblib.load(directory / MODEL_FILE)
        if not isinstance(model, cls):
            raise TypeError(f"{directory / MODEL_FILE} does not hold a TriageModel")
        return model

    def _require_heads(self) -> _Heads:
        if self._heads is None:
            raise RuntimeError("model is not trained; call train() or load() first")
        return self._heads


def _quote_clauses(
    scans: list[CueScan], tagged: list[tuple[list[Tag], dict[Tag, str]]], heads: _Heads
) -> None:
    """Give every tag without a cue the clause its classifier likes best, in tag order.

    Only the texts that have such a tag are cut into clauses and featurised, all in one call.
    """
    needing = [i for i, (tags, evidence) in enumerate(tagged) if len(evidence) < len(tags)]
    clauses = _Clauses([scans[i] for i in needing], heads)
    for row, i in enumerate(needing):
        tags, evidence = tagged[i]
        quoted = {tag: evidence.get(tag) or clauses.best_for(row, tag) for tag in tags}
        evidence.clear()
        evidence.update(quoted)


class _Clauses:
    """Some texts' clauses, featurised together once, for tags that need evidence from them.

    One featuriser call for the whole batch: per text (or per tag) it would cost more than the
    classification itself.
    """

    def __init__(self, texts: list[CueScan], heads: _Heads) -> None:
        self.texts = texts
        self.heads = heads
        self._clauses: list[list[str]] = []
        self._rows: list[int] = []
        self._x: sp.csr_matrix = sp.csr_matrix((0, 0))
        if texts:
            self._featurise()

    def best_for(self, index: int, tag: Tag) -> str:
        """The clause of text `index` that the tag classifier likes best."""
        clauses = self._clauses[index]
        if len(clauses) <= 1:
            return self.texts[index].text.original.strip()
        estimator = self.heads.tags.estimators_[self.heads.tag_columns.index(tag)]
        if not hasattr(estimator, "coef_"):
            return clauses[0]
        start = self._rows[index]
        # The head's own linear score, without sklearn's per-call input checks.
        scores = self._x[start : start + len(clauses)] @ estimator.coef_.ravel()
        return clauses[int(np.argmax(scores))]

    def _featurise(self) -> None:
        per_text = [[scan.within(c) for c in scan.text.clauses()] for scan in self.texts]
        self._clauses = [[c.text.original for c in clauses] for clauses in per_text]
        flat: list[CueScan] = []
        for clauses in per_text:
            self._rows.append(len(flat))
            flat.extend(clauses)
        if flat:  # only empty texts: nothing to featurise, every text is its own evidence
            self._x = self.heads.featurizer.transform_lexical(flat, [None] * len(flat))


def _fit_multilabel(
    x: sp.csr_matrix,
    label_sets: list[set[Tag]] | list[set[Category]],
    columns: Sequence[object],
    seed: int,
) -> OneVsRestClassifier:
    """One binary logistic regression per column; columns never seen stay always-negative."""
    y = np.array([[1 if c in labels else 0 for c in columns] for labels in label_sets])
    estimator = LogisticRegression(C=6.0, solver="liblinear", random_state=seed, max_iter=2000)
    with warnings.catch_warnings():
        # OneVsRest predicts a constant for a column absent from a small training set; that is
        # the right answer, so its warning is noise.
        warnings.simplefilter("ignore", UserWarning)
        return OneVsRestClassifier(estimator, n_jobs=1).fit(x, y)


def _calibration_folds(y: npt.NDArray[np.str_]) -> int:
    """Three folds when every category has three examples; fewer for tiny correction sets."""
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < 2:
        raise ValueError("every category in the training set needs at least 2 examples")
    return min(3, smallest)


def _positive_proba(estimator: OneVsRestClassifier, x: sp.csr_matrix) -> npt.NDArray[np.floating]:
    """Every column's probability in one sparse product instead of one sklearn call per column.

    Same numbers as `estimator.predict_proba`; the per-call input validation of ~60 binary
    models cost as much as the rest of a batch's classification.
    """
    columns: list[npt.NDArray[np.floating]] = []
    linear = [e for e in estimator.estimators_ if hasattr(e, "coef_")]
    if len(linear) == len(estimator.estimators_):
        coef = np.vstack([e.coef_ for e in linear])
        intercept = np.array([e.intercept_[0] for e in linear])
        return np.asarray(expit(x @ coef.T + intercept))
    for e in estimator.estimators_:  # some column was constant in training
        columns.append(np.asarray(e.predict_proba(x))[:, 1])
    return np.column_stack(columns)


def calibrated_proba(
    estimator: CalibratedClassifierCV, x: sp.csr_matrix
) -> npt.NDArray[np.floating]:
    """`estimator.predict_proba(x)` for calibrated linear folds, in a few matrix products.

    sklearn validates the input once per fold (and, for sigmoids, per class); on a poll of
    complaints that cost more than the arithmetic. Anything unusual goes through sklearn.
    """
    folds = estimator.calibrated_classifiers_
    n_classes = len(estimator.classes_)
    calibrate = _FOLD_CALIBRATIONS.get(estimator.method)
    if (
        calibrate is None
        or n_classes < 3
        or not all(_linear_over_all_classes(f, n_classes) for f in folds)
    ):
        return np.asarray(estimator.predict_proba(x))
    total = np.zeros((x.shape[0], n_classes))
    for fold in folds:
        total += calibrate(fold, x @ fold.estimator.coef_.T + fold.estimator.intercept_)
    return np.asarray(total / len(folds))


def _temperature_proba(fold: Any, decision: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    return np.asarray(softmax(fold.calibrators[0].beta_ * decision, axis=1))


def _sigmoid_proba(fold: Any, decision: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Models saved before temperature scaling: one sigmoid per class, renormalised."""
    a = np.array([c.a_ for c in fold.calibrators])
    b = np.array([c.b_ for c in fold.calibrators])
    proba = expit(-(a * decision + b))
    denominator = proba.sum(axis=1, keepdims=True)
    # sklearn's rule: a row every calibrator puts at zero becomes uniform.
    uniform = denominator[:, 0] == 0
    proba[uniform] = 1.0 / len(a)
    denominator[uniform] = 1.0
    return np.asarray(proba / denominator)


_FOLD_CALIBRATIONS = {"temperature": _temperature_proba, "sigmoid": _sigmoid_proba}


def _linear_over_all_classes(fold: Any, n_classes: int) -> bool:
    """A fold whose linear model scores every class, in the calibrated estimator's order."""
    inner = fold.estimator
    if not hasattr(inner, "coef_") or len(fold.classes) != n_classes:
        return False
    return list(inner.classes_) == list(fold.classes)


def _version(examples: Sequence[Example], seed: int) -> str:
    """`triage-<UTC timestamp>-<hash of the training data>`: sortable and reproducible."""
    digest = hashlib.sha256(str(seed).encode())
    for e in examples:
        digest.update(e.text.encode())
        digest.update(e.category.value.encode())
        digest.update(",".join(sorted(t.value for t in e.tags)).encode())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"triage-{stamp}-{digest.hexdigest()[:8]}"
