"""`aduan triage ...`: classify JSONL, train and promote a version, evaluate on a labelled file.

The root CLI composes this with `add_typer(app, name="triage")`. stdout carries only data
(JSONL from `classify`); progress and errors go to stderr so pipelines stay clean.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from schemas.examples import DOMAIN_EXAMPLES
from schemas.vocabulary import Sector
from services.runtime.db import apply_migrations
from services.runtime.embedding import DEFAULT_MODEL
from services.triage import registry
from services.triage.corpus import WRITERS_DIR, as_example, load_corpus
from services.triage.examples import Example, load_examples
from services.triage.labels import MIGRATIONS, officer_examples
from services.triage.model import TriageModel, TriageResult
from services.triage.offline.crossval import ByWriterReport, evaluate_by_writer
from services.triage.offline.evaluation import EvalReport, evaluate, plot_confusion
from services.triage.offline.generator import generate
from services.triage.offline.training import (
    DEFAULT_SIZE,
    SYNTHETIC_WEIGHT,
    ensure_model,
    train_default_model,
    written,
)

app = typer.Typer(
    help="Triage of worker complaints: category, tags, priority.", no_args_is_help=True
)

DEFAULT_MODEL_DIR = Path(".aduan/models/triage")
DEFAULT_HOLDOUT = DOMAIN_EXAMPLES

ModelDirOption = typer.Option(
    DEFAULT_MODEL_DIR,
    "--model-dir",
    envvar="ADUAN_MODEL_DIR",
    help="Folder of model versions (env ADUAN_MODEL_DIR).",
)
HoldoutOption = typer.Option(DEFAULT_HOLDOUT, help="Labelled JSONL never trained on.")
SeedOption = typer.Option(0, help="Generator and model seed.")
SizeOption = typer.Option(DEFAULT_SIZE, help="Number of synthetic complaints.")
CorpusOption = typer.Option(
    [WRITERS_DIR],
    "--corpus",
    exists=True,
    help="Writers' corpus files or folders to train on (repeatable; default: the shipped corpus).",
)
PromoteOption = typer.Option(True, "--promote/--no-promote", help="Promote the new version.")
EvalFilesArgument = typer.Argument(
    ..., exists=True, help="Labelled JSONL files (with --by-writer also folders of them)."
)
ByWriterOption = typer.Option(
    False,
    "--by-writer",
    help="Train without each writer in turn and score that writer (the writers' corpus format).",
)
JsonOption = typer.Option(None, "--json", help="Write the figures as JSON here.")
FoldsOption = typer.Option(
    None,
    "--folds",
    min=2,
    help=(
        "With --by-writer: deal the writers out into N groups and leave one group out at a time"
        " (N trainings instead of one per writer: quicker, each model reads fewer writers)."
    ),
)
TriagedOutOption = typer.Option(
    None,
    "--triaged-out",
    help="With --by-writer: write each complaint's held-out triage (classify's JSONL) here.",
)
EmbeddingModelOption = typer.Option(
    DEFAULT_MODEL,
    "--embedding-model",
    envvar="ADUAN_EMBEDDING_MODEL",
    help="Encoder the models read (env ADUAN_EMBEDDING_MODEL); 'none' for text only.",
)
PlotOption = typer.Option(None, "--plot", help="Write a confusion-matrix PNG here.")
err = Console(stderr=True)


class InputError(ValueError):
    """A bad input line; the message names the line."""


def parse_request(line: str, number: int) -> dict[str, Any]:
    """Validate one `{"id", "text", "sector"?}` line; raise InputError naming the line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise InputError(f"line {number}: expected a JSON object")
    if "id" not in data or isinstance(data["id"], bool) or not isinstance(data["id"], str | int):
        raise InputError(f"line {number}: 'id' is required and must be a string or integer")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"line {number}: 'text' is required and must be a non-empty string")
    sector = data.get("sector")
    if sector is not None and sector not in {s.value for s in Sector}:
        allowed = ", ".join(s.value for s in Sector)
        raise InputError(f"line {number}: unknown sector {sector!r} (allowed: {allowed})")
    return {"id": data["id"], "text": text, "sector": sector}


def read_requests(lines: list[str]) -> list[dict[str, Any]]:
    """All requests or an error: nothing is classified if any line is bad."""
    return [parse_request(line, n) for n, line in enumerate(lines, start=1) if line.strip()]


@app.command()
def classify(model_dir: Path = ModelDirOption, embedding_model: str = EmbeddingModelOption) -> None:
    """Read JSONL {"id","text","sector"?} from stdin, write one JSONL result per line."""
    try:
        requests = read_requests(sys.stdin.read().splitlines())
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    if not requests:
        return
    model = ensure_model(model_dir, embedding_model, progress=True)
    results = model.classify([r["text"] for r in requests], [r["sector"] for r in requests])
    for request, result in zip(requests, results, strict=True):
        sys.stdout.write(json.dumps(_output_row(request["id"], result), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _output_row(complaint_id: str | int | None, result: TriageResult) -> dict[str, Any]:
    """One line of `classify`'s JSONL contract."""
    return {
        "id": complaint_id,
        "category": result.category.value,
        "secondary": [c.value for c in result.secondary],
        "tags": [t.value for t in result.tags],
        "priority": result.priority.value,
        "confidence": result.confidence,
        "needs_review": result.needs_review,
        "emergency_score": result.emergency_score,
    }


DatabaseOption = typer.Option(
    "",
    "--database-url",
    envvar="DATABASE_URL",
    help="Where the service keeps officers' corrections (env DATABASE_URL); empty: none.",
)


@app.command("ensure-model")
def ensure_model_command(
    model_dir: Path = ModelDirOption,
    embedding_model: str = EmbeddingModelOption,
    database_url: str = DatabaseOption,
) -> None:
    """Train and promote the default model unless a usable one is promoted already (a model
    retrained here keeps the officers' corrections stored at --database-url)."""
    corrections_for = (
        (lambda tagger: asyncio.run(_corrections(database_url, tagger))) if database_url else None
    )
    model = ensure_model(model_dir, embedding_model, progress=True, corrections_for=corrections_for)
    err.print(f"triage model {model.version} in {model_dir}")


@app.command()
def train(
    model_dir: Path = ModelDirOption,
    holdout: Path = HoldoutOption,
    seed: int = SeedOption,
    size: int = SizeOption,
    promote: bool = PromoteOption,
    database_url: str = DatabaseOption,
    embedding_model: str = EmbeddingModelOption,
    corpus: list[Path] = CorpusOption,
) -> None:
    """Train a new version with officers' corrections, compare it with the current one, promote."""
    console = Console()
    current = registry.load_current(model_dir)
    corrections = asyncio.run(_corrections(database_url, current)) if database_url else []
    err.print(f"{len(corrections)} officer corrections join the training data")
    model = train_default_model(
        corrections=corrections,
        seed=seed,
        progress=True,
        size=size,
        embedding_model=_encoder(embedding_model),
        corpus=corpus,
    )
    examples = load_examples(holdout) if holdout.exists() else []
    new_report = _held_out(model, examples)
    old_report = _held_out(current, examples) if current and current.up_to_date else None
    if new_report:
        console.print(_comparison_table(new_report, old_report))
    metadata: dict[str, Any] = {
        "seed": seed,
        "synthetic_size": size,
        "embedding_model": model.embedding_model,
        "embedding_version": model.embedding_version,
        "holdout": str(holdout),
        "officer_corrections": [e.id for e in corrections],
        "corpus": [str(path) for path in corpus],
    }
    if new_report:
        metadata["evaluation"] = new_report.summary()
    version = registry.save_version(model, model_dir, metadata)
    if promote:
        registry.promote(model_dir, version)
    console.print(f"saved {version}" + (" and promoted it" if promote else " (not promoted)"))


def _held_out(model: TriageModel, examples: list[Example]) -> EvalReport | None:
    if not examples:
        return None
    return evaluate(model, examples)


async def _corrections(database_url: str, tagger: TriageModel | None) -> list[Example]:
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn, "triage", MIGRATIONS)
        return await officer_examples(conn, tagger)
    finally:
        await conn.close()


@app.command("eval")
def eval_command(
    files: list[Path] = EvalFilesArgument,
    model_dir: Path = ModelDirOption,
    plot: Path | None = PlotOption,
    by_writer: bool = ByWriterOption,
    json_out: Path | None = JsonOption,
    size: int = SizeOption,
    seed: int = SeedOption,
    embedding_model: str = EmbeddingModelOption,
    triaged_out: Path | None = TriagedOutOption,
    folds: int | None = FoldsOption,
) -> None:
    """Evaluate the promoted model on labelled JSONL, or leave one writer out (--by-writer)."""
    try:
        examples = [as_example(r) for r in load_corpus(files)] if by_writer else _labelled(files)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    console = Console()
    if by_writer:
        generated = written(generate(size, seed=seed), SYNTHETIC_WEIGHT) if size else written([])
        try:
            by = evaluate_by_writer(
                examples, generated, _encoder(embedding_model), seed=seed, folds=folds
            )
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(code=2) from exc
        report = by.pooled
        console.print(_by_writer_table(by))
        if triaged_out is not None:
            with triaged_out.open("w", encoding="utf-8") as handle:
                for example, result in zip(examples, by.results, strict=True):
                    handle.write(json.dumps(_output_row(example.id, result)) + "\n")
    else:
        model = ensure_model(model_dir, embedding_model, progress=True)
        held_out = _held_out(model, examples)
        if held_out is None:
            err.print("[red]error:[/red] no labelled complaints in the files", highlight=False)
            raise typer.Exit(code=2)
        report = held_out
    console.print(_comparison_table(report, None))
    console.print(_per_category_table(report))
    if report.errors and not by_writer:
        console.print("misclassified: " + "; ".join(f"#{i} {g}->{p}" for i, g, p in report.errors))
    if plot is not None:
        console.print(f"confusion matrix written to {plot_confusion(report, plot)}")
    if json_out is not None:
        json_out.write_text(json.dumps(_report_json(report, by if by_writer else None), indent=2))
        console.print(f"figures written to {json_out}")


def _labelled(files: list[Path]) -> list[Example]:
    return [example for file in files for example in load_examples(file)]


def _encoder(name: str) -> str | None:
    """`none` trains models that read text only (for comparison)."""
    return None if name == "none" else name


def _report_json(report: EvalReport, by: ByWriterReport | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "n": report.n,
        "model_version": report.model_version,
        **report.summary(),
        "per_category": {c.value: s.f1 for c, s in report.per_category.items()},
    }
    if by is not None:
        data["writers"] = {w: {"n": r.n, **r.summary()} for w, r in by.writers.items()}
    return data


def _by_writer_table(by: ByWriterReport) -> Table:
    table = Table(title="leave-one-writer-out: each writer scored by a model that never read them")
    columns = ("writer", "n", "category macro-F1", "tag micro-F1", "P1 recall", "P1 precision")
    for column in (*columns, "ECE"):
        table.add_column(column, justify="left" if column == "writer" else "right")
    for writer, r in by.writers.items():
        table.add_row(
            writer,
            str(r.n),
            f"{r.category_macro_f1:.3f}",
            f"{r.tag_micro_f1:.3f}",
            f"{r.p1_recall:.3f}",
            f"{r.p1_precision:.3f}",
            f"{r.ece:.3f}",
        )
    return table


def _comparison_table(new: EvalReport, old: EvalReport | None) -> Table:
    table = Table(title=f"held-out evaluation (n={new.n})")
    table.add_column("metric")
    table.add_column(f"new {new.model_version}", justify="right")
    if old is not None:
        table.add_column(f"current {old.model_version}", justify="right")
    old_summary = old.summary() if old else {}
    for name, value in new.summary().items():
        row = [name, f"{value:.3f}"]
        if old is not None:
            row.append(f"{old_summary[name]:.3f}")
        table.add_row(*row)
    return table


def _per_category_table(report: EvalReport) -> Table:
    table = Table(title="per category")
    for column in ("category", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, s in report.per_category.items():
        table.add_row(
            category.value, f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}", str(s.support)
        )
    return table
