"""Do sentence embeddings help the triage classifier? Frozen MiniLM vs lexical vs SetFit-style.

Trains on generated synthetic complaints only (fixed seed) and evaluates on
  (a) the 40 labelled DOMAIN §4 examples (schemas/examples/domain_examples.jsonl), never trained on;
  (b) a second synthetic set from the same generator with a different seed. Same templates and
      fragments as the training data, so figures on (b) are optimistic: they measure fit to the
      generator, not transfer to real complaints.

Variants
  1  emb-LR (frozen)          calibrated LR on frozen all-MiniLM-L6-v2 embeddings only
  2  lexical                  the current TriageModel (char n-grams + normalised words)
  3  lexical + emb (frozen)   TriageModel.train(..., embeddings=frozen)
  4a emb-LR (fine-tuned)      as 1, on a contrastively fine-tuned MiniLM (SetFit-style)
  4b lexical + emb (ft)       as 3, with the fine-tuned embeddings

Tags, secondary categories and priority always come from the lexical heads (only the category head
differs between variants), so P1 recall moves only through the category (hazardous child labour).

    python benchmarks/triage_embeddings.py --out benchmarks/results/triage_embeddings.json

The fine-tuned model is written under /tmp only (never commit weights).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import kit  # first: puts the repository on sys.path
import numpy as np
import numpy.typing as npt
from kit import ROOT
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from services.runtime.embedding import DEFAULT_MODEL, Embedder, resolve_model_path
from services.triage.evaluation import evaluate
from services.triage.examples import Example, load_examples
from services.triage.generator import generate
from services.triage.model import CALIBRATION, TriageModel, TriageResult

DOMAIN_FILE = ROOT / "schemas" / "examples" / "domain_examples.jsonl"
FINETUNED_DIR = Path("/tmp/aduan-setfit-minilm")

console = Console(stderr=True)


# ---------------------------------------------------------------------------- evaluation adapters
class _EmbeddedModel:
    """Looks like a TriageModel to `evaluate`: feeds precomputed embeddings to `classify`."""

    def __init__(self, model: TriageModel, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
        self.model = model
        self.vectors = vectors
        self.version = model.version

    def classify(
        self, texts: list[str], sectors: list[str | None] | None = None
    ) -> list[TriageResult]:
        emb = np.stack([self.vectors[t] for t in texts])
        return self.model.classify(texts, sectors, embeddings=emb)


class _BatchProba:
    """Stands in for the lexical category head: returns the embedding head's probabilities."""

    # Not a calibration TriageModel's fast path knows, so it asks `predict_proba`.
    method = "embedding head stand-in"
    calibrated_classifiers_: tuple[Any, ...] = ()

    def __init__(self, head: CalibratedClassifierCV) -> None:
        self.head = head
        self.classes_ = head.classes_
        self.current: npt.NDArray[np.float32] | None = None

    def predict_proba(self, _features: Any) -> npt.NDArray[np.floating]:
        assert self.current is not None
        return np.asarray(self.head.predict_proba(self.current))


def embedding_only_model(
    lexical: TriageModel, head: CalibratedClassifierCV, vectors: dict[str, npt.NDArray[np.float32]]
) -> _EmbeddedModel:
    """Variant 1: category from the embedding LR alone; tags/priority from the lexical heads.

    The lexical category head is replaced by the embedding head, and the model's own embedding head
    is that head too, so the averaged probability is exactly the embedding LR's.
    """
    stub = _BatchProba(head)
    clone = dataclasses.replace(lexical)
    clone._heads = dataclasses.replace(lexical._require_heads(), category=stub, embedding_head=head)

    class _Wrapped(_EmbeddedModel):
        def classify(
            self, texts: list[str], sectors: list[str | None] | None = None
        ) -> list[TriageResult]:
            stub.current = np.stack([self.vectors[t] for t in texts])
            return self.model.classify(texts, sectors, embeddings=stub.current)

    return _Wrapped(clone, vectors)


def fit_embedding_head(
    emb: npt.NDArray[np.float32], y: Sequence[str], seed: int
) -> CalibratedClassifierCV:
    """Exactly the configuration of TriageModel's embedding head."""
    return CalibratedClassifierCV(
        LogisticRegression(C=4.0, max_iter=3000, random_state=seed), method=CALIBRATION, cv=3
    ).fit(emb, np.asarray(y))


def scores(model: Any, examples: Sequence[Example]) -> dict[str, float]:
    report = evaluate(model, examples)
    return {
        "category_accuracy": round(report.category_accuracy, 4),
        "category_macro_f1": round(report.category_macro_f1, 4),
        "p1_recall": round(report.p1_recall, 4),
        "errors": len(report.errors),
    }


# ---------------------------------------------------------------------------- embedding
def embed_timed(model: Any, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    vectors = model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32), time.perf_counter() - start


def make_pairs(
    examples: Sequence[Example], n_pairs: int, seed: int
) -> list[tuple[str, str, float]]:
    """SetFit-style pairs: half same-category (label 1), half different-category (label 0)."""
    rng = random.Random(seed)
    by_cat: dict[str, list[str]] = {}
    for e in examples:
        by_cat.setdefault(e.category.value, []).append(e.text)
    cats = sorted(c for c, xs in by_cat.items() if len(xs) >= 2)
    pairs: list[tuple[str, str, float]] = []
    for i in range(n_pairs):
        if i % 2 == 0:
            c = cats[i // 2 % len(cats)]  # round-robin so every category gets positives
            a, b = rng.sample(by_cat[c], 2)
            pairs.append((a, b, 1.0))
        else:
            c1, c2 = rng.sample(cats, 2)
            pairs.append((rng.choice(by_cat[c1]), rng.choice(by_cat[c2]), 0.0))
    rng.shuffle(pairs)
    return pairs


def finetune(
    base_path: str,
    train: Sequence[Example],
    n_pairs: int,
    batch_size: int,
    seed: int,
    progress: Progress,
) -> tuple[Any, float, int]:
    """Contrastive fine-tuning with sentence-transformers' own (pre-v3) `old_fit` loop.

    `fit`/`SentenceTransformerTrainer` need `datasets` and `accelerate`, which the project venv does
    not have; `old_fit` is the library's own loop over a DataLoader of InputExamples.
    """
    import torch
    from sentence_transformers import InputExample, SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import ContrastiveLoss
    from torch.utils.data import DataLoader

    torch.manual_seed(seed)
    model = SentenceTransformer(base_path, device="cpu", local_files_only=True)
    model.max_seq_length = 128
    pairs = make_pairs(train, n_pairs, seed)
    data = [InputExample(texts=[a, b], label=lab) for a, b, lab in pairs]
    loader: DataLoader[InputExample] = DataLoader(data, shuffle=True, batch_size=batch_size)  # type: ignore[arg-type]
    loss = ContrastiveLoss(model)
    steps = len(loader)
    task = progress.add_task(f"fine-tuning MiniLM ({n_pairs} pairs)", total=steps)
    loss.register_forward_hook(lambda *_: progress.advance(task))
    start = time.perf_counter()
    model.old_fit(
        train_objectives=[(loader, loss)],
        epochs=1,
        warmup_steps=max(1, steps // 10),
        show_progress_bar=False,
    )
    seconds = time.perf_counter() - start
    FINETUNED_DIR.mkdir(parents=True, exist_ok=True)
    model.save(str(FINETUNED_DIR))
    return model, seconds, steps


# ---------------------------------------------------------------------------- output
def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["variant"] for r in results]
    x = np.arange(len(names))
    series = [
        ("domain40", "category_accuracy", "DOMAIN 40 accuracy"),
        ("domain40", "category_macro_f1", "DOMAIN 40 macro-F1"),
        ("synthetic", "category_accuracy", "synthetic (other seed) accuracy"),
        ("synthetic", "category_macro_f1", "synthetic (other seed) macro-F1"),
    ]
    width = 0.2
    fig, ax = plt.subplots(figsize=(11, 5))
    for k, (split, metric, label) in enumerate(series):
        vals = [r[split][metric] for r in results]
        bars = ax.bar(x + (k - 1.5) * width, vals, width, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("score")
    ax.set_title("Triage category head: lexical vs MiniLM embeddings (trained on synthetic only)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(results: list[dict[str, Any]]) -> Table:
    t = Table(title="Triage category head, trained on synthetic data only")
    for col in (
        "variant",
        "D40 acc",
        "D40 F1",
        "D40 P1 rec",
        "syn acc",
        "syn F1",
        "syn P1 rec",
        "train s",
        "embed texts/s",
    ):
        t.add_column(col, justify="left" if col == "variant" else "right")
    for r in results:
        d, s = r["domain40"], r["synthetic"]
        rate = r.get("embedding_texts_per_s")
        t.add_row(
            r["variant"],
            f"{d['category_accuracy']:.3f}",
            f"{d['category_macro_f1']:.3f}",
            f"{d['p1_recall']:.3f}",
            f"{s['category_accuracy']:.3f}",
            f"{s['category_macro_f1']:.3f}",
            f"{s['p1_recall']:.3f}",
            f"{r['training_s']:.1f}",
            f"{rate:.0f}" if rate else "-",
        )
    return t


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/triage_embeddings.json")
    p.add_argument("--png", type=Path, default=None, help="default: --out with .png")
    p.add_argument("--seed", type=int, default=0, help="training data / model seed")
    p.add_argument("--test-seed", type=int, default=1001, help="seed of the synthetic test set")
    p.add_argument("--train-size", type=int, default=4000, help="as services.triage.training")
    p.add_argument("--test-size", type=int, default=1000)
    p.add_argument("--pairs", type=int, default=2000, help="contrastive pairs for fine-tuning")
    p.add_argument("--batch-size", type=int, default=16, help="fine-tuning batch size")
    p.add_argument("--model", default=DEFAULT_MODEL, help="embedding model (name or path)")
    p.add_argument("--skip-finetune", action="store_true")
    args = p.parse_args(argv)
    png = args.png or args.out.with_suffix(".png")

    import torch

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    domain = load_examples(DOMAIN_FILE)
    results: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    with kit.progress(console) as progress:
        total = 8 if args.skip_finetune else 13
        main_task = progress.add_task("benchmark", total=total)

        def step(description: str) -> None:
            progress.update(main_task, advance=1, description=description)

        progress.update(main_task, description="generating synthetic data")
        train = generate(args.train_size, seed=args.seed)
        synthetic = generate(args.test_size, seed=args.test_seed)
        train_texts = {e.text for e in train}
        domain_texts = {e.text for e in domain}
        leaked = len(train_texts & domain_texts)
        if leaked:
            raise SystemExit(f"{leaked} DOMAIN examples appear in the training data: refusing")
        overlap = sum(e.text in train_texts for e in synthetic)
        y_train = [e.category.value for e in train]
        meta.update(
            train_size=len(train),
            train_seed=args.seed,
            synthetic_test_size=len(synthetic),
            synthetic_test_seed=args.test_seed,
            synthetic_test_texts_also_in_train=overlap,
            domain_size=len(domain),
        )
        step("embedding with frozen MiniLM")

        embedder = Embedder(args.model)
        base = embedder.model
        meta["embedding_model"] = embedder.version
        meta["frozen_max_seq_length"] = base.max_seq_length
        eval_texts = [e.text for e in synthetic] + [e.text for e in domain]
        _, _ = embed_timed(base, eval_texts[:64])  # warm-up (thread pools, allocator)
        emb_train, t_emb_train = embed_timed(base, [e.text for e in train])
        emb_eval, _ = embed_timed(base, eval_texts)
        frozen_rate = len(train) / t_emb_train
        frozen_vectors = dict(zip(eval_texts, emb_eval, strict=True))
        step("variant 2: lexical")

        start = time.perf_counter()
        lexical = TriageModel().train(train, seed=args.seed)
        t_lexical = time.perf_counter() - start
        results.append(
            {
                "variant": "2 lexical (current)",
                "domain40": scores(lexical, domain),
                "synthetic": scores(lexical, synthetic),
                "training_s": round(t_lexical, 2),
                "embedding_texts_per_s": None,
            }
        )
        step("variant 1: LR on frozen embeddings")

        start = time.perf_counter()
        head = fit_embedding_head(emb_train, y_train, args.seed)
        t_head = time.perf_counter() - start
        v1 = embedding_only_model(lexical, head, frozen_vectors)
        results.insert(
            0,
            {
                "variant": "1 emb-LR (frozen)",
                "domain40": scores(v1, domain),
                "synthetic": scores(v1, synthetic),
                "training_s": round(t_head + t_emb_train, 2),
                "training_detail": {
                    "embed_train_s": round(t_emb_train, 2),
                    "fit_s": round(t_head, 2),
                },
                "embedding_texts_per_s": round(frozen_rate, 1),
            },
        )
        step("variant 3: lexical + frozen embeddings")

        start = time.perf_counter()
        combined = TriageModel().train(train, embeddings=emb_train, seed=args.seed)
        t_combined = time.perf_counter() - start
        v3 = _EmbeddedModel(combined, frozen_vectors)
        results.append(
            {
                "variant": "3 lexical + emb (frozen)",
                "domain40": scores(v3, domain),
                "synthetic": scores(v3, synthetic),
                "training_s": round(t_combined + t_emb_train, 2),
                "training_detail": {
                    "embed_train_s": round(t_emb_train, 2),
                    "fit_s": round(t_combined, 2),
                },
                "embedding_texts_per_s": round(frozen_rate, 1),
            }
        )
        step("variant 4: contrastive fine-tuning")

        if not args.skip_finetune:
            tuned, t_ft, ft_steps = finetune(
                resolve_model_path(args.model),
                train,
                args.pairs,
                args.batch_size,
                args.seed,
                progress,
            )
            meta["finetune"] = {
                "loss": "ContrastiveLoss (cosine distance, margin 0.5)",
                "pairs": args.pairs,
                "positive_fraction": 0.5,
                "batch_size": args.batch_size,
                "epochs": 1,
                "steps": ft_steps,
                "max_seq_length": 128,
                "lr": 2e-5,
                "seconds": round(t_ft, 1),
                "saved_to": str(FINETUNED_DIR),
            }
            step("embedding with fine-tuned MiniLM")
            embed_timed(tuned, eval_texts[:64])
            ft_train, t_ft_emb = embed_timed(tuned, [e.text for e in train])
            ft_eval, _ = embed_timed(tuned, eval_texts)
            ft_rate = len(train) / t_ft_emb
            ft_vectors = dict(zip(eval_texts, ft_eval, strict=True))
            step("variant 4a: LR on fine-tuned embeddings")

            start = time.perf_counter()
            ft_head = fit_embedding_head(ft_train, y_train, args.seed)
            t_ft_head = time.perf_counter() - start
            v4a = embedding_only_model(lexical, ft_head, ft_vectors)
            results.append(
                {
                    "variant": "4a emb-LR (fine-tuned)",
                    "domain40": scores(v4a, domain),
                    "synthetic": scores(v4a, synthetic),
                    "training_s": round(t_ft + t_ft_emb + t_ft_head, 2),
                    "training_detail": {
                        "finetune_s": round(t_ft, 2),
                        "embed_train_s": round(t_ft_emb, 2),
                        "fit_s": round(t_ft_head, 2),
                    },
                    "embedding_texts_per_s": round(ft_rate, 1),
                }
            )
            step("variant 4b: lexical + fine-tuned embeddings")

            start = time.perf_counter()
            combined_ft = TriageModel().train(train, embeddings=ft_train, seed=args.seed)
            t_combined_ft = time.perf_counter() - start
            v4b = _EmbeddedModel(combined_ft, ft_vectors)
            results.append(
                {
                    "variant": "4b lexical + emb (fine-tuned)",
                    "domain40": scores(v4b, domain),
                    "synthetic": scores(v4b, synthetic),
                    "training_s": round(t_ft + t_ft_emb + t_combined_ft, 2),
                    "training_detail": {
                        "finetune_s": round(t_ft, 2),
                        "embed_train_s": round(t_ft_emb, 2),
                        "fit_s": round(t_combined_ft, 2),
                    },
                    "embedding_texts_per_s": round(ft_rate, 1),
                }
            )
            step("done")
        progress.update(main_task, completed=total, description="done")

    meta["machine"] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    import sentence_transformers
    import transformers

    meta["machine"]["sentence_transformers"] = sentence_transformers.__version__
    meta["machine"]["transformers"] = transformers.__version__
    meta["notes"] = [
        "Training data: services.triage.generator.generate(train_size, seed) only; the 40 DOMAIN "
        "examples are never trained on (checked: no DOMAIN text in the training set).",
        "'synthetic' is the same generator with another seed: same templates and fragments as "
        "training, so its figures are optimistic (fit to the generator, not real complaints).",
        "Tags, secondary categories and priority come from the lexical heads in every variant; "
        "only the category head differs. P1 recall changes only through the category.",
        "embedding_texts_per_s: texts/s embedding the training set (batch 32, after warm-up).",
        "training_s includes embedding the training set (and fine-tuning for 4a/4b).",
    ]
    out = {"meta": meta, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(results, png)
    Console(width=max(Console().width, 130)).print(table(results))
    console.print(f"wrote {args.out} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
