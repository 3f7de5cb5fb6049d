"""`aduan recommend ...`: load resolved cases, try recommendations offline.

The root CLI mounts this with `add_typer(app, name="recommend")`. `suggest` runs the very code
path the service runs (`service.recommend_many`), on an in-memory index of a case file, so it is
also the offline evaluation harness.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.vocabulary import Category, Priority, Sector, Tag
from services.recommend.cases import LineError, read_cases
from services.recommend.models import Complaint, Recommendation, TextEmbedder
from services.recommend.retrieval import InMemoryCaseIndex
from services.recommend.service import recommend_many
from services.recommend.store import ImportReport, import_cases, open_pool, set_union_sharing
from services.runtime.embedding import DEFAULT_MODEL, shared_embedder

app = typer.Typer(
    help="Case base of resolved grievances and follow-up action recommendations.",
    no_args_is_help=True,
)
err = Console(stderr=True)

# Complaints are embedded this many at a time: large enough to keep both cores busy, small
# enough that output starts flowing on a long input.
SUGGEST_CHUNK = 256
LOCAL_UNION = "local"  # suggest treats the whole case file as the caller's own

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="DATABASE_URL", help="PostgreSQL URL (pgvector)."),
]
ModelOption = Annotated[
    str, typer.Option("--model", envvar="ADUAN_EMBEDDING_MODEL", help="Embedding model.")
]


def _need_url(database_url: str | None) -> str:
    if not database_url:
        err.print("[red]No database: pass --database-url or set DATABASE_URL.[/red]")
        raise typer.Exit(2)
    return database_url


def _print_line_errors(errors: list[LineError], source: str) -> None:
    for error in errors:
        err.print(f"[yellow]{source}: {error}[/yellow]", highlight=False)


async def _load(url: str, path: Path, embedder: TextEmbedder) -> tuple[ImportReport, int]:
    loaded = read_cases(path)
    _print_line_errors(loaded.errors, str(path))
    pool = await open_pool(url, max_size=2)
    try:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("importing cases", total=len(loaded.cases))
            report = await import_cases(
                pool,
                loaded.cases,
                embedder,
                on_progress=lambda n: progress.advance(task, n),
            )
    finally:
        await pool.close()
    return report, len(loaded.errors)


@app.command("load-cases")
def load_cases(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Cases, JSONL.")],
    database_url: DatabaseUrl = None,
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Import resolved cases (idempotent by case_id; unchanged cases are not embedded again).

    Exits 1 when some lines were invalid (the valid ones are still imported).
    """
    url = _need_url(database_url)
    report, invalid = asyncio.run(_load(url, file, shared_embedder(model)))
    err.print(
        f"inserted {report.inserted}, updated {report.updated}, skipped {report.skipped}"
        f" (unchanged), invalid lines {invalid}",
        highlight=False,
    )
    if invalid:
        raise typer.Exit(1)


@app.command("set-sharing")
def set_sharing(
    union_id: Annotated[str, typer.Argument(help="Union id, e.g. spn.")],
    share: Annotated[
        bool, typer.Option("--share/--no-share", help="Let other unions learn from its cases.")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Opt a union in or out of sharing its cases (anonymised) with other unions."""
    url = _need_url(database_url)

    async def run() -> None:
        pool = await open_pool(url, max_size=1)
        try:
            await set_union_sharing(pool, union_id, share)
        finally:
            await pool.close()

    asyncio.run(run())
    err.print(f"{union_id}: share_cases = {share}")


class SuggestInput(BaseModel):
    """One line of `suggest` input. Only id and text are required."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sector: Sector | None = None
    category: Category | None = None
    secondary: list[Category] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    priority: Priority | None = None

    def complaint(self) -> Complaint:
        return Complaint(
            complaint_id=self.id,
            union_id=LOCAL_UNION,
            text=self.text,
            sector=self.sector,
            category=self.category,
            secondary=tuple(self.secondary),
            tags=frozenset(self.tags),
            priority=self.priority,
        )


def _chunks(lines: TextIO, errors: list[LineError]) -> Iterator[list[SuggestInput]]:
    chunk: list[SuggestInput] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            chunk.append(SuggestInput.model_validate_json(raw))
        except ValidationError as exc:
            messages = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()
            )
            errors.append(LineError(number, messages))
            continue
        if len(chunk) >= SUGGEST_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def suggestion_record(recommendation: Recommendation) -> dict[str, object]:
    """The `suggest` output contract, exactly these keys."""
    return {
        "id": recommendation.complaint_id,
        "actions": [
            {"action": a.action.value, "score": a.score, "rationale": a.rationale}
            for a in recommendation.actions
        ],
        "similar_cases": [
            {"case_id": c.case_id, "similarity": c.similarity} for c in recommendation.similar_cases
        ],
    }


@app.command("suggest")
def suggest(
    cases: Annotated[
        Path, typer.Option("--cases", exists=True, dir_okay=False, help="Resolved cases, JSONL.")
    ],
    k: Annotated[int, typer.Option(min=1, help="Similar cases per complaint.")] = 5,
    top: Annotated[int, typer.Option(min=1, help="Actions per complaint.")] = 5,
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Read complaints (JSONL: id, text, sector?, category?) on stdin; write suggestions on stdout.

    Output lines: {"id", "actions": [{"action", "score", "rationale"}], "similar_cases":
    [{"case_id", "similarity"}]}. Invalid input lines are reported on stderr and exit code 1.
    """
    embedder = shared_embedder(model)
    index, case_errors = InMemoryCaseIndex.from_jsonl(cases, embedder)
    _print_line_errors(case_errors, str(cases))
    input_errors: list[LineError] = []
    for chunk in _chunks(sys.stdin, input_errors):
        complaints = [item.complaint() for item in chunk]
        results = asyncio.run(recommend_many(complaints, index, embedder, k=k, top_actions=top))
        for result in results:
            sys.stdout.write(json.dumps(suggestion_record(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    _print_line_errors(input_errors, "stdin")
    if input_errors:
        raise typer.Exit(1)
