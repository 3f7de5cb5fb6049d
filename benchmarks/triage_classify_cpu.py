"""CPU of triage per complaint by poll size: the encoder, and the classifier after it.

    python benchmarks/triage_classify_cpu.py                     # the promoted model in .aduan
    python benchmarks/triage_classify_cpu.py --model-dir DIR --polls 1 2 4 8 16 64

A triage worker embeds and classifies a poll at a time, and a poll holds what the broker had:
one complaint or two at a moderate rate, dozens behind a backlog. What a poll costs beyond its
complaints (per call, not per text) decides the CPU per complaint at the rates a union sees
most. This script loads the promoted model (`aduan triage ensure-model` makes one) as a
worker does (`ModelHolder`, one thread as `aduan up` gives it), takes the held-out writers'
complaints (`services/triage/corpus/heldout`, text no model trained on), and for each poll
size runs the service's two steps over the same N complaints a poll at a time:
`Embedder.embed` and `TriageModel.classify` with those vectors. It reports process CPU per
complaint for each, the best of `--rounds`, after one warm-up pass. The labels of every poll
size are compared with those of polls of one: a poll's size must not change an answer.
Results: `results/triage_classify_cpu.json`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import kit
import psutil
from rich.console import Console
from rich.table import Table

from services.runtime.embedding import DEFAULT_MODEL
from services.triage.corpus import HELDOUT_DIR, load_corpus
from services.triage.model import TriageResult
from services.triage.worker import ModelHolder

RESULTS = kit.ROOT / "benchmarks" / "results" / "triage_classify_cpu.json"
DEFAULT_MODEL_DIR = kit.ROOT / ".aduan" / "models" / "triage"


def cpu_per_text(step: Callable[[list[int]], None], polls: list[list[int]], n: int) -> float:
    started = time.process_time()
    for poll in polls:
        step(poll)
    return 1000 * (time.process_time() - started) / n


def measure(
    holder: ModelHolder,
    texts: list[str],
    sectors: list[str | None],
    sizes: list[int],
    rounds: int,
    done: Callable[[], None],
) -> dict[str, object]:
    model, embedder = holder.model, holder.embedder
    vectors = embedder.embed(texts)
    n = len(texts)
    figures: dict[str, dict[str, float]] = {}
    labels: dict[int, list[tuple[object, ...]]] = {}
    for size in sizes:
        polls = [list(range(i, min(i + size, n))) for i in range(0, n, size)]
        results: list[TriageResult] = []

        def embed(poll: list[int]) -> None:
            embedder.embed([texts[i] for i in poll])

        def classify(poll: list[int], results: list[TriageResult] = results) -> None:
            results.extend(
                model.classify([texts[i] for i in poll], [sectors[i] for i in poll], vectors[poll])
            )

        classify(polls[0])  # warm-up
        results.clear()
        best_embed = min(cpu_per_text(embed, polls, n) for _ in range(rounds))
        best_classify = min(cpu_per_text(classify, polls, n) for _ in range(rounds))
        labels[size] = [
            (r.category, tuple(r.tags), r.priority, round(r.confidence, 6)) for r in results[:n]
        ]
        figures[str(size)] = {
            "embed_ms": round(best_embed, 3),
            "classify_ms": round(best_classify, 3),
        }
        done()
    first = labels[sizes[0]]
    return {
        "per_poll_size": figures,
        "same_labels_every_poll_size": all(labels[s] == first for s in sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--n", type=int, default=512, help="complaints, from the held-out set")
    parser.add_argument("--polls", type=int, nargs="+", default=[1, 2, 4, 8, 16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="the worker's encoder threads")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    console = Console()
    holder = ModelHolder(args.model_dir, DEFAULT_MODEL, threads=args.threads)
    holder.load()  # here, on the thread that classifies: thread limits belong to it
    records = load_corpus([HELDOUT_DIR])[: args.n]
    texts = [r.text for r in records]
    sectors: list[str | None] = [r.sector.value for r in records]
    with kit.progress(console) as bar:
        task = bar.add_task("poll sizes", total=len(args.polls))
        result = measure(holder, texts, sectors, args.polls, args.rounds, lambda: bar.advance(task))
    result.update(
        model_version=holder.model.version,
        threads=args.threads,
        complaints=len(texts),
        rounds=args.rounds,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average=list(psutil.getloadavg()),
    )
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"triage CPU per complaint, {len(texts)} held-out complaints")
    for column in ("poll size", "embed ms", "classify ms"):
        table.add_column(column)
    per_poll = result["per_poll_size"]
    assert isinstance(per_poll, dict)
    for size, row in per_poll.items():
        table.add_row(size, str(row["embed_ms"]), str(row["classify_ms"]))
    console.print(table)
    console.print(f"same labels at every poll size: {result['same_labels_every_poll_size']}")
    console.print(f"→ {args.out}")


if __name__ == "__main__":
    main()
