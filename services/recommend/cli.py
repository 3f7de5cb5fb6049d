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
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from schemas.vocabulary import Category, Priority, Sector, Tag
from services.recommend.cases import LineError, read_cases
from services.recommend.models import Complaint, Recommendation, TextEmbedder
from services.recommend.offline import eval_plot, evaluation, writer_eval
from services.recommend.retrieval import DEFAULT_K, InMemoryCaseIndex
from services.recommend.service import recommend_many
from services.recommend.store import ImportReport, import_cases, open_pool, set_union_sharing
from services.runtime.embedding import (
    DEFAULT_MODEL,
    E5_SMALL,
    INT8_SUFFIX,
    MINILM,
    USE_MULTILINGUAL,
    shared_embedder,
)

app = typer.Typer(
    help="Case base of resolved grievances and follow-up action recommendations.",
    no_args_is_help=True,
)
err = Console(stderr=True)

# Complaints are embedded this many at a time: large enough to keep both cores busy, small
# enough that output starts flowing on a long input.
SUGGEST_CHUNK = 256
LOCAL_UNION = "local"  # suggest treats the whole case file as the caller's own
# The encoders `eval --embedding-model` compares (services.runtime.embedding), default first.
EVAL_MODELS = (USE_MULTILINGUAL, E5_SMALL, MINILM)

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


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _setting_table(report: evaluation.EvalReport, setting: str) -> Table:
    """One setting: the two baselines first, then each retriever, metric by metric."""
    table = Table(min_width=96, title=f"labels: {setting}", title_justify="left")
    for column in ("system", "nDCG@3", "P@3", "P1 first", "cat P@5", "hit@3 (ref.)"):
        table.add_column(column, justify="left" if column == "system" else "right", no_wrap=True)
    for s in report.in_setting(setting):
        table.add_row(
            s.system,
            _fmt(s.ndcg3),
            _fmt(s.precision3),
            _fmt(s.p1_first),
            _fmt(s.category_p5),
            _fmt(s.hit3),
        )
    return table


def _verdict(check: evaluation.TargetCheck) -> str:
    measured = [b for b in (check.constant, check.playbook) if b is not None]
    above = "above" if check.above_baselines else "NOT above"
    return f"{above} both" if len(measured) == 2 else f"{above} the baseline that measures it"


def _target_lines(report: evaluation.EvalReport, setting: str) -> list[str]:
    """Each target metric of each retriever beside its target and both baselines."""
    lines = []
    for s in report.in_setting(setting):
        if s.system not in evaluation.RETRIEVERS:
            continue
        for metric, c in report.targets(s.system, setting).items():
            lines.append(
                f"  {s.system:<15} {metric:<12} {_fmt(c.value)}"
                f"  target {c.target}: {'met' if c.met else 'NOT met'};"
                f"  constant {_fmt(c.constant)}, playbook {_fmt(c.playbook)}:"
                f" {_verdict(c)}"
            )
    return lines


def _read_triaged(path: Path | None) -> tuple[dict[str, evaluation.TriageOutput] | None, int]:
    if path is None:
        return None, 0
    triaged, errors = evaluation.read_triaged(path)
    _print_line_errors(errors, str(path))
    return triaged, len(errors)


def _known_model(name: str) -> str:
    """`--embedding-model`: one of the packaged encoders, or a sentence-transformers folder."""
    base = name.removesuffix(INT8_SUFFIX)
    if name in EVAL_MODELS or base == MINILM or Path(base).is_dir():
        return name
    raise typer.BadParameter(
        f"unknown embedding model {name!r}: choose {', '.join(EVAL_MODELS)}"
        f" ({MINILM}{INT8_SUFFIX}: MiniLM in int8) or a sentence-transformers model folder"
    )


EvalModelOption = Annotated[
    str,
    typer.Option(
        "--embedding-model",
        "--model",
        envvar="ADUAN_EMBEDDING_MODEL",
        callback=_known_model,
        help=f"Encoder: {', '.join(EVAL_MODELS)}, {MINILM}{INT8_SUFFIX}, or the folder of a"
        " sentence-transformers model (nothing is downloaded).",
    ),
]


@app.command("eval")
def eval_command(
    complaints: Annotated[
        list[Path],
        typer.Option(
            "--complaints",
            exists=True,
            help="Complaints with gold labels and gold `actions` (most important first), JSONL."
            " With --by-writer: the writers' corpus, files and/or folders of *.jsonl (repeat the"
            " option).",
        ),
    ],
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            exists=True,
            dir_okay=False,
            help="Resolved cases, JSONL (not with --by-writer, which builds them from the corpus).",
        ),
    ] = None,
    by_writer: Annotated[
        bool,
        typer.Option(
            "--by-writer",
            help="Leave-one-writer-out: each writer's complaints against every other writer's"
            " complaints turned into resolved cases (their gold actions as actions taken).",
        ),
    ] = False,
    triaged: Annotated[
        Path | None,
        typer.Option(
            "--triaged",
            exists=True,
            dir_okay=False,
            help="`aduan triage classify` output for the same complaint ids, JSONL: adds the"
            " triage_output setting (labels from the triage model, gold unchanged).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "--json", dir_okay=False, help="Write the figures as JSON."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", dir_okay=False, help="Bar chart (PNG) by setting.")
    ] = None,
    k: Annotated[int, typer.Option(min=5, help="Similar cases per complaint.")] = DEFAULT_K,
    model: EvalModelOption = DEFAULT_MODEL,
) -> None:
    """Score recommendations against gold actions: nDCG@3, P@3, P1 first action, category P@5.

    Beside two baselines (constant top three, category playbook), for plain, hybrid and
    category-aware retrieval, with gold labels, with the triage model's labels (--triaged) and
    without any. Exits 1 on invalid lines (2 on an invalid corpus with --by-writer: nothing is
    evaluated).
    """
    if by_writer:
        if cases is not None:
            err.print("[red]--by-writer builds the case base from the corpus: drop --cases.[/red]")
            raise typer.Exit(2)
        _eval_by_writer(complaints, triaged, out, plot, k, model)
        return
    if cases is None or len(complaints) != 1 or complaints[0].is_dir():
        err.print("[red]Pass --cases FILE and one --complaints FILE (or use --by-writer).[/red]")
        raise typer.Exit(2)
    complaint_file = complaints[0]
    loaded = read_cases(cases)
    _print_line_errors(loaded.errors, str(cases))
    items, complaint_errors = evaluation.read_complaints(complaint_file)
    _print_line_errors(complaint_errors, str(complaint_file))
    labels, triaged_errors = _read_triaged(triaged)
    if not loaded.cases or not items:
        err.print("[red]Nothing to evaluate: no valid cases or complaints.[/red]")
        raise typer.Exit(2)
    try:
        report = asyncio.run(
            evaluation.evaluate(
                loaded.cases,
                items,
                shared_embedder(model),
                k=k,
                triaged=labels,
                triaged_from=str(triaged) if triaged else None,
            )
        )
    except ValueError as exc:  # triage output missing for some complaint
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from exc

    console = _wide_console()
    console.print(
        f"{report.complaints} complaints, {report.cases} cases, {report.embedding_version};"
        f" P1 complaints (gold): {report.systems[0].p1_complaints};"
        f" constant = {', '.join(report.constant_actions)};"
        " cat P@5 of constant = chance (category share)",
        highlight=False,
    )
    _print_settings(console, report)
    if out is not None:
        evaluation.write_json(report, out)
        err.print(f"wrote {out}")
    if plot is not None:
        eval_plot.plot(report, plot)
        err.print(f"wrote {plot}")
    if loaded.errors or complaint_errors or triaged_errors:
        raise typer.Exit(1)


def _wide_console() -> Console:
    return Console(width=max(Console().width, 100))


def _print_settings(console: Console, report: evaluation.EvalReport) -> None:
    for setting in report.settings:
        console.print(_setting_table(report, setting))
        for line in _target_lines(report, setting):
            console.print(line, highlight=False, markup=False, soft_wrap=True)


def _writer_table(split: writer_eval.WriterSplitReport, setting: str) -> Table:
    """The category-aware system's figures for each writer's complaints, then pooled."""
    title = f"category_aware per writer, labels: {setting}"
    table = Table(min_width=96, title=title, title_justify="left")
    columns = ("writer", "complaints", "cases", "nDCG@3", "P@3", "P1 first (n)", "cat P@5")
    for column in (*columns, "hit@3 (ref.)"):
        table.add_column(column, justify="left" if column == "writer" else "right", no_wrap=True)
    rows = [(w, r) for w, r in split.writers.items()] + [("all (pooled)", split.pooled)]
    for i, (writer, report) in enumerate(rows):
        s = report.get("category_aware", setting)
        table.add_row(
            writer,
            str(s.complaints),
            str(report.cases) if i < len(rows) - 1 else "-",
            _fmt(s.ndcg3),
            _fmt(s.precision3),
            f"{_fmt(s.p1_first)} ({s.p1_complaints})",
            _fmt(s.category_p5),
            _fmt(s.hit3),
            end_section=i == len(rows) - 2,
        )
    return table


def _eval_by_writer(
    paths: list[Path],
    triaged: Path | None,
    out: Path | None,
    plot: Path | None,
    k: int,
    model: str,
) -> None:
    corpus = writer_eval.read_corpus(paths)
    for error in corpus.errors:
        err.print(f"[red]{error}[/red]", highlight=False, markup=False)
    if corpus.errors:
        err.print(f"[red]{len(corpus.errors)} invalid corpus lines: nothing evaluated.[/red]")
        raise typer.Exit(2)
    if len(corpus.writers) < 2:
        err.print("[red]A writer split needs complaints of at least two writers.[/red]")
        raise typer.Exit(2)
    labels, triaged_errors = _read_triaged(triaged)
    try:
        evaluation.check_triaged(corpus.complaints, labels)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    embedder = shared_embedder(model)
    texts = len({c.text for c in corpus.complaints})
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as progress:
        embedding = progress.add_task(f"embedding ({model})", total=texts)
        steps = writer_eval.retriever_steps(len(corpus.complaints), labels)
        folds = progress.add_task("writer folds", total=steps)
        split = asyncio.run(
            writer_eval.evaluate_by_writer(
                corpus.complaints,
                embedder,
                k=k,
                triaged=labels,
                triaged_from=str(triaged) if triaged else None,
                files=corpus.files,
                on_embedded=lambda n: progress.advance(embedding, n),
                on_fold=lambda w: progress.update(folds, description=f"writer folds ({w})"),
                on_run=lambda n: progress.advance(folds, n),
            )
        )
    pooled = split.pooled
    sizes = sorted(set(split.cases_per_fold.values()))
    cases = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}-{sizes[-1]}"
    console = _wide_console()
    console.print(
        f"leave-one-writer-out: {pooled.complaints} complaints by {len(split.writers)} writers"
        f" ({len(corpus.files)} files), each writer's against the other writers'"
        f" {cases} cases; {pooled.embedding_version};"
        f" P1 complaints (gold): {pooled.systems[0].p1_complaints};"
        f" constant (most folds) = {', '.join(pooled.constant_actions)};"
        " pooled = per-complaint averages over the whole corpus",
        highlight=False,
    )
    _print_settings(console, pooled)
    for setting in pooled.settings:
        if pooled.find("category_aware", setting) is not None:
            console.print(_writer_table(split, setting))
    if out is not None:
        out.write_text(json.dumps(split.to_json(), ensure_ascii=False, indent=2) + "\n")
        err.print(f"wrote {out}")
    if plot is not None:
        eval_plot.plot_by_writer(split, plot)
        err.print(f"wrote {plot}")
    if triaged_errors:
        raise typer.Exit(1)
