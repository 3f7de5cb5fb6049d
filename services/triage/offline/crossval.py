"""Leave-one-writer-out: the honest estimate of how triage does on people it never read.

For each writer of a labelled corpus, a model is trained exactly as `aduan triage train` trains
one (the other writers, generated complaints at their weight, the configured encoder) and scored
on the writer left out. Pooled over writers, the figures say what a union should expect from
complaints written by someone new; per writer, how much they vary with style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.progress import Progress

from services.runtime.embedding import shared_embedder
from services.triage.examples import Example
from services.triage.model import TriageResult
from services.triage.normalize import read_once
from services.triage.offline.evaluation import EvalReport, score
from services.triage.offline.training import TrainingSet, train, written

POOLED_VERSION = "leave-one-writer-out"


@dataclass(frozen=True)
class ByWriterReport:
    """The pooled report, one report per writer, and every held-out result in corpus order."""

    pooled: EvalReport
    writers: dict[str, EvalReport]
    results: list[TriageResult]


def writer_groups(writers: Sequence[str], folds: int | None) -> list[list[str]]:
    """Each writer alone (leave one writer out), or the sorted writers dealt out in turn into
    `folds` groups, each left out in turn: `folds` trainings instead of one per writer."""
    if folds is None or folds >= len(writers):
        return [[writer] for writer in writers]
    if folds < 2:
        raise ValueError("a writer split needs at least two folds")
    return [list(writers[fold::folds]) for fold in range(folds)]


def evaluate_by_writer(
    corpus: Sequence[Example],
    generated: TrainingSet,
    embedding_model: str | None,
    seed: int = 0,
    progress: bool = True,
    folds: int | None = None,
) -> ByWriterReport:
    """Train one model per writer (or group of writers, `folds`) left out and score it on the
    complaints of the writers it never read."""
    writers = sorted({e.writer for e in corpus if e.writer is not None})
    if len(writers) < 2:
        raise ValueError("leave-one-writer-out needs complaints from at least two writers")
    groups = writer_groups(writers, folds)
    vectors = None
    if embedding_model is not None:  # every text embedded once, reused by every fold
        texts = [read_once(e.text) for e in [*corpus, *generated.examples]]
        vectors = shared_embedder(embedding_model).embed(texts, progress=progress)
    results: list[TriageResult | None] = [None] * len(corpus)
    per_writer: dict[str, EvalReport] = {}
    console = Console(stderr=True)
    with Progress(console=console, disable=not progress) as bar:
        task = bar.add_task("leave-one-writer-out", total=len(groups))
        for group in groups:
            held_out = [i for i, e in enumerate(corpus) if e.writer in group]
            kept = [i for i, e in enumerate(corpus) if e.writer not in group]
            fold_vectors = None
            if vectors is not None:
                generated_rows = np.arange(len(corpus), len(vectors))
                fold_vectors = vectors[np.concatenate([kept, generated_rows]).astype(int)]
            model = train(
                written(corpus[i] for i in kept) + generated,
                embedding_model=embedding_model,
                seed=seed,
                progress=False,
                embeddings=fold_vectors,
            )
            answers = model.classify(
                [corpus[i].text for i in held_out],
                [corpus[i].sector_id for i in held_out],
                embeddings=None if vectors is None else vectors[held_out],
            )
            for i, answer in zip(held_out, answers, strict=True):
                results[i] = answer
            for writer in group:
                mine = [
                    (i, a)
                    for i, a in zip(held_out, answers, strict=True)
                    if corpus[i].writer == writer
                ]
                per_writer[writer] = score(
                    [corpus[i] for i, _ in mine], [a for _, a in mine], model.version
                )
            bar.update(task, advance=1, description=f"left out {', '.join(group)}")
    complete = [r for r in results if r is not None]
    if len(complete) != len(results):  # only complaints without a writer are never scored
        raise ValueError("every complaint of the corpus needs a writer")
    version = POOLED_VERSION if len(groups) == len(writers) else f"{len(groups)} writer folds"
    return ByWriterReport(
        score(corpus, complete, version), dict(sorted(per_writer.items())), complete
    )
