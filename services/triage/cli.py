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
from services.triage import registry
from services.triage.evaluation import EvalReport, evaluate, plot_confusion
from services.triage.examples import Example, load_examples
from services.triage.labels import MIGRATIONS, officer_examples, weighted
from services.triage.model import TriageModel
from services.triage.training import DEFAULT_SIZE, train_default_model
from services.triage.worker import ensure_model

app = typer.Typer(
    help="Triage of worker complaints: category, tags, priority.", no_args_is_help=True
)

DEFAULT_MODEL_DIR = Path(".aduan/models/triage")
DEFAULT_HOLDOUT = DOMAIN_EXAMPLES
OUTPUT_KEYS = ("id", "category", "secondary", "tags", "priority", "confidence", "needs_review")

ModelDirOption = typer.Option(
    DEFAULT_MODEL_DIR,
    "--model-dir",
    envvar="ADUAN_MODEL_DIR",
    help="Folder of model versions (env ADUAN_MODEL_DIR).",
)
HoldoutOption = typer.Option(DEFAULT_HOLDOUT, help="Labelled JSONL never trained on.")
SeedOption = typer.Option(0, help="Generator and model seed.")
SizeOption = typer.Option(DEFAULT_SIZE, help="Number of synthetic complaints.")
PromoteOption = typer.Option(True, "--promote/--no-promote", help="Promote the new version.")
EvalFileArgument = typer.Argument(..., exists=True, dir_okay=False, help="Labelled JSONL.")
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
def classify(model_dir: Path = ModelDirOption) -> None:
    """Read JSONL {"id","text","sector"?} from stdin, write one JSONL result per line."""
    try:
        requests = read_requests(sys.stdin.read().splitlines())
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    if not requests:
        return
    model = ensure_model(model_dir, progress=True)
    results = model.classify([r["text"] for r in requests], [r["sector"] for r in requests])
    for request, result in zip(requests, results, strict=True):
        row = {
            "id": request["id"],
            "category": result.category.value,
            "secondary": [c.value for c in result.secondary],
            "tags": [t.value for t in result.tags],
            "priority": result.priority.value,
            "confidence": result.confidence,
            "needs_review": result.needs_review,
        }
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command("ensure-model")
def ensure_model_command(model_dir: Path = ModelDirOption) -> None:
    """Train and promote the default model unless one is promoted already."""
    model = ensure_model(model_dir, progress=True)
    err.print(f"triage model {model.version} in {model_dir}")


DatabaseOption = typer.Option(
    "",
    "--database-url",
    envvar="DATABASE_URL",
    help="Where the service keeps officers' corrections (env DATABASE_URL); empty: none.",
)


@app.command()
def train(
    model_dir: Path = ModelDirOption,
    holdout: Path = HoldoutOption,
    seed: int = SeedOption,
    size: int = SizeOption,
    promote: bool = PromoteOption,
    database_url: str = DatabaseOption,
) -> None:
    """Train a new version with officers' corrections, compare it with the current one, promote."""
    console = Console()
    current = registry.load_current(model_dir)
    corrections = asyncio.run(_corrections(database_url, current)) if database_url else []
    err.print(f"{len(corrections)} officer corrections join the synthetic training data")
    model = train_default_model(
        extra_examples=weighted(corrections), seed=seed, progress=True, size=size
    )
    examples = load_examples(holdout) if holdout.exists() else []
    new_report = evaluate(model, examples) if examples else None
    old_report = evaluate(current, examples) if examples and current else None
    if new_report:
        console.print(_comparison_table(new_report, old_report))
    metadata: dict[str, Any] = {
        "seed": seed,
        "synthetic_size": size,
        "holdout": str(holdout),
        "officer_corrections": [e.id for e in corrections],
    }
    if new_report:
        metadata["evaluation"] = new_report.summary()
    version = registry.save_version(model, model_dir, metadata)
    if promote:
        registry.promote(model_dir, version)
    console.print(f"saved {version}" + (" and promoted it" if promote else " (not promoted)"))


async def _corrections(database_url: str, tagger: TriageModel | None) -> list[Example]:
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn, "triage", MIGRATIONS)
        return await officer_examples(conn, tagger)
    finally:
        await conn.close()


@app.command("eval")
def eval_command(
    file: Path = EvalFileArgument,
    model_dir: Path = ModelDirOption,
    plot: Path | None = PlotOption,
) -> None:
    """Evaluate the promoted model on a labelled JSONL file."""
    try:
        examples = load_examples(file)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2) from exc
    report = evaluate(ensure_model(model_dir), examples)
    console = Console()
    console.print(_comparison_table(report, None))
    console.print(_per_category_table(report))
    if report.errors:
        console.print("misclassified: " + "; ".join(f"#{i} {g}->{p}" for i, g, p in report.errors))
    if plot is not None:
        console.print(f"confusion matrix written to {plot_confusion(report, plot)}")


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
