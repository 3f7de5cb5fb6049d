"""Evaluation on labelled complaints: the figures union staff and engineers look at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from schemas.vocabulary import Category, Priority, Tag
from services.triage.examples import Example
from services.triage.model import Embeddings, TriageModel, TriageResult

ECE_BINS = 10


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    """Category, tag, priority and calibration figures for one model on one labelled set."""

    n: int
    model_version: str
    category_accuracy: float
    category_macro_f1: float
    per_category: dict[Category, ClassScores]
    tag_micro_f1: float
    tag_macro_f1: float
    p1_recall: float
    p1_precision: float
    priority_accuracy: float
    ece: float
    confusion_labels: list[Category] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "category_accuracy": self.category_accuracy,
            "category_macro_f1": self.category_macro_f1,
            "tag_micro_f1": self.tag_micro_f1,
            "tag_macro_f1": self.tag_macro_f1,
            "p1_recall": self.p1_recall,
            "p1_precision": self.p1_precision,
            "priority_accuracy": self.priority_accuracy,
            "ece": self.ece,
        }


def evaluate(
    model: TriageModel, examples: Sequence[Example], embeddings: Embeddings = None
) -> EvalReport:
    """Classify `examples` and score the results against their labels."""
    if not examples:
        raise ValueError("nothing to evaluate")
    results = model.classify(
        [e.text for e in examples],
        [e.sector_id for e in examples],
        embeddings=embeddings,
    )
    return score(examples, results, model.version)


def score(
    examples: Sequence[Example], results: Sequence[TriageResult], model_version: str
) -> EvalReport:
    """Score triage results against the examples' gold labels (same order)."""
    if not examples:
        raise ValueError("nothing to evaluate")
    gold = [e.category for e in examples]
    pred = [r.category for r in results]
    present = [c for c in Category if c in gold or c in pred]
    return EvalReport(
        n=len(examples),
        model_version=model_version,
        category_accuracy=float(accuracy_score(gold, pred)),
        category_macro_f1=float(
            f1_score(gold, pred, labels=present, average="macro", zero_division=0)
        ),
        per_category=_per_category(gold, pred, present),
        tag_micro_f1=_tag_f1(examples, results, average="micro"),
        tag_macro_f1=_tag_f1(examples, results, average="macro"),
        p1_recall=_p1_recall(examples, results),
        p1_precision=_p1_precision(examples, results),
        priority_accuracy=_priority_accuracy(examples, results),
        ece=expected_calibration_error(
            [r.confidence for r in results], [g == p for g, p in zip(gold, pred, strict=True)]
        ),
        confusion_labels=present,
        confusion=confusion_matrix(gold, pred, labels=present).tolist(),
        errors=[
            (str(e.id), e.category.value, r.category.value)
            for e, r in zip(examples, results, strict=True)
            if e.category is not r.category
        ],
    )


def _per_category(
    gold: list[Category], pred: list[Category], labels: list[Category]
) -> dict[Category, ClassScores]:
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    return {
        c: ClassScores(float(p[i]), float(r[i]), float(f[i]), int(s[i]))
        for i, c in enumerate(labels)
    }


def _tag_f1(examples: Sequence[Example], results: Sequence[TriageResult], average: str) -> float:
    columns = list(Tag)
    y_true = np.array([[t in e.tags for t in columns] for e in examples], dtype=int)
    y_pred = np.array([[t in r.tags for t in columns] for r in results], dtype=int)
    if average == "macro":  # only tags that occur, or a tag nobody used would count as 0
        used = (y_true.sum(axis=0) + y_pred.sum(axis=0)) > 0
        y_true, y_pred = y_true[:, used], y_pred[:, used]
    return float(f1_score(y_true, y_pred, average=average, zero_division=0))


def _p1_recall(examples: Sequence[Example], results: Sequence[TriageResult]) -> float:
    gold_p1 = [r for e, r in zip(examples, results, strict=True) if e.priority is Priority.P1]
    if not gold_p1:
        return 1.0
    return sum(r.priority is Priority.P1 for r in gold_p1) / len(gold_p1)


def _p1_precision(examples: Sequence[Example], results: Sequence[TriageResult]) -> float:
    flagged = [e for e, r in zip(examples, results, strict=True) if r.priority is Priority.P1]
    if not flagged:
        return 1.0
    return sum(e.priority is Priority.P1 for e in flagged) / len(flagged)


def _priority_accuracy(examples: Sequence[Example], results: Sequence[TriageResult]) -> float:
    pairs = [
        (e.priority, r.priority)
        for e, r in zip(examples, results, strict=True)
        if e.priority is not None
    ]
    return sum(g is p for g, p in pairs) / len(pairs) if pairs else 0.0


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    bins = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(hits[mask].mean() - conf[mask].mean())
    return float(total)


def plot_confusion(report: EvalReport, path: Path) -> Path:
    """Write the category confusion matrix as a PNG (headless: Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [c.value for c in report.confusion_labels]
    matrix = np.asarray(report.confusion, dtype=int).reshape(len(labels), len(labels))
    size = max(6.0, 0.55 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(
        f"{report.model_version}  (n={report.n}, acc={report.category_accuracy:.2f})", fontsize=9
    )
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black",
                )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
