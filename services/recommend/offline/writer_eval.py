"""Leave-one-writer-out evaluation on a writers' corpus (`aduan recommend eval --by-writer`).

The corpus (one JSONL line per complaint: `id`, `writer`, `sector`, `text`, gold labels, gold
`actions` most important first, `hard_negative`) was written by independent writers. A writer
repeats their own phrasings, so a complaint evaluated against cases of its own writer finds
near-paraphrases and flatters retrieval. Here each writer W is evaluated in turn:

- case base: every *other* writer's complaint turned into a resolved case (its text, sector,
  category, tags; `actions_taken` = its gold actions; outcome resolved; union `corpus-<writer>`;
  `synthetic: true`);
- queries: W's complaints, with their gold actions and gold labels (or, with `--triaged`, the
  labels a triage model that never read W gave them).

Each fold runs `evaluation.predict`, i.e. the same systems, settings and code path
(`service.recommend_many` on an `InMemoryCaseIndex`) as `aduan recommend eval`. Every corpus
text is embedded once; each fold's index is built from those vectors and the queries' vectors
are looked up, not recomputed. Pooled figures are per-complaint averages over the whole corpus
(computed from every complaint's own result, not averaged per writer); per-writer figures come
from the same results.

This module reads the corpus with its own models: recommend imports nothing from triage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import ConfigDict, Field, ValidationError

from schemas.vocabulary import Outcome, Sector
from services.recommend.cases import ResolvedCase
from services.recommend.models import TextEmbedder, Vector
from services.recommend.offline.evaluation import (
    EvalComplaint,
    EvalReport,
    Predictions,
    Run,
    TriageOutput,
    check_triaged,
    predict,
    run_plan,
    settings_for,
)
from services.recommend.retrieval import DEFAULT_K, InMemoryCaseIndex

CORPUS_UNION_PREFIX = "corpus-"  # the synthetic union of a writer's cases: corpus-w01
EMBED_CHUNK = 256  # texts per embedding call (and progress step)

# How a validation error names the vocabulary a wrong value should have come from.
_VOCABULARY = {
    "actions": "action",
    "tags": "tag",
    "category": "category",
    "secondary": "category",
    "sector": "sector",
    "priority": "priority",
}


class CorpusComplaint(EvalComplaint):
    """One corpus line: an eval complaint plus its writer.

    `writer` says which fold the complaint belongs to. `hard_negative` (a deliberate near-miss
    of a category or an emergency, for triage) is accepted and not used here. Other keys are
    ignored, as `EvalComplaint` ignores them, so the corpus may grow fields.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    writer: str = Field(min_length=1)
    sector: Sector  # a case needs one
    hard_negative: bool = False

    def as_case(self) -> ResolvedCase:
        """The complaint as a resolved case of another writer's fold."""
        return ResolvedCase(
            case_id=self.id,
            sector=self.sector,
            union=CORPUS_UNION_PREFIX + self.writer,
            text=self.text,
            category=self.category,
            tags=self.tags,
            actions_taken=self.actions,
            outcome=Outcome.RESOLVED,
            days_to_resolve=0,
            synthetic=True,
        )


@dataclass(frozen=True)
class CorpusLineError:
    path: Path
    line: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}: line {self.line}: {self.message}"


@dataclass
class Corpus:
    complaints: list[CorpusComplaint] = field(default_factory=list)
    errors: list[CorpusLineError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def writers(self) -> list[str]:
        return sorted({c.writer for c in self.complaints})


def describe(error: ValidationError) -> str:
    """One line per wrong field; a value outside the vocabulary is named as such."""
    parts = []
    for item in error.errors():
        loc = item["loc"]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        if item["type"] == "enum" and loc and str(loc[0]) in _VOCABULARY:
            parts.append(f"{where}: unknown {_VOCABULARY[str(loc[0])]} {item['input']!r}")
        else:
            parts.append(f"{where or 'line'}: {item['msg']}")
    return "; ".join(parts)


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    """The JSONL files named: files as given, folders as their *.jsonl (sorted), each once."""
    files: list[Path] = []
    for path in paths:
        found = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        files += [f for f in found if f not in files]
    return files


def read_corpus(paths: Iterable[Path]) -> Corpus:
    """Every valid line of the files (folders: their *.jsonl); each error names file and line.

    An id seen before (in any file) is an error: triage output is matched by id.
    """
    corpus = Corpus(files=corpus_files(paths))
    seen: dict[str, tuple[Path, int]] = {}
    for path in corpus.files:
        with path.open(encoding="utf-8") as lines:
            for number, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                try:
                    complaint = CorpusComplaint.model_validate_json(raw)
                except ValidationError as exc:
                    corpus.errors.append(CorpusLineError(path, number, describe(exc)))
                    continue
                if complaint.id in seen:
                    first, at = seen[complaint.id]
                    message = f"id {complaint.id!r} already on {first}: line {at}"
                    corpus.errors.append(CorpusLineError(path, number, message))
                    continue
                seen[complaint.id] = (path, number)
                corpus.complaints.append(complaint)
    return corpus


class PrecomputedEmbedder:
    """An embedder that answers from vectors computed beforehand (texts it has not seen go to
    the wrapped embedder, and are counted in `missed`)."""

    def __init__(self, embedder: TextEmbedder, texts: Sequence[str], vectors: Vector) -> None:
        self.embedder = embedder
        self.rows = {text: row for row, text in enumerate(texts)}
        self.vectors = vectors
        self.missed = 0

    @property
    def version(self) -> str:
        return self.embedder.version

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def embed(self, texts: list[str]) -> Vector:
        unseen = list(dict.fromkeys(t for t in texts if t not in self.rows))
        if unseen:
            self.missed += len(unseen)
            start = len(self.vectors)
            self.vectors = np.vstack([self.vectors, self.embedder.embed(unseen)])
            self.rows.update({text: start + i for i, text in enumerate(unseen)})
        return self.vectors[[self.rows[t] for t in texts]]


def embed_texts(
    texts: Sequence[str],
    embedder: TextEmbedder,
    on_progress: Callable[[int], None] | None = None,
) -> PrecomputedEmbedder:
    """Embed each distinct text once, EMBED_CHUNK at a time (`on_progress` hears each chunk)."""
    distinct = list(dict.fromkeys(texts))
    chunks = []
    for start in range(0, len(distinct), EMBED_CHUNK):
        chunk = distinct[start : start + EMBED_CHUNK]
        chunks.append(np.asarray(embedder.embed(chunk), dtype=np.float32))
        if on_progress is not None:
            on_progress(len(chunk))
    vectors = np.vstack(chunks) if chunks else np.zeros((0, embedder.dimension), np.float32)
    return PrecomputedEmbedder(embedder, distinct, vectors)


@dataclass(frozen=True)
class Fold:
    """One writer's complaints (the queries) and everybody else's, as the case base."""

    writer: str
    queries: list[CorpusComplaint]
    cases: list[ResolvedCase]


def writer_folds(complaints: Sequence[CorpusComplaint]) -> list[Fold]:
    """One fold per writer (sorted); a writer's own complaints are never in its case base."""
    folds = []
    for writer in sorted({c.writer for c in complaints}):
        queries = [c for c in complaints if c.writer == writer]
        cases = [c.as_case() for c in complaints if c.writer != writer]
        if any(case.union == CORPUS_UNION_PREFIX + writer for case in cases):
            raise AssertionError(f"writer {writer}'s own complaints reached its case base")
        folds.append(Fold(writer, queries, cases))
    return folds


def retriever_steps(complaints: int, triaged: Mapping[str, TriageOutput] | None) -> int:
    """Complaints x retriever runs: the total `evaluate_by_writer`'s on_run callbacks add up to."""
    return complaints * len(run_plan(settings_for(triaged)))


@dataclass
class WriterSplitReport:
    """Pooled figures over the whole corpus, and each writer's."""

    pooled: EvalReport
    writers: dict[str, EvalReport]
    files: list[str]

    @property
    def cases_per_fold(self) -> dict[str, int]:
        return {writer: report.cases for writer, report in self.writers.items()}

    def to_json(self) -> dict[str, object]:
        return {
            "split": "leave-one-writer-out",
            "files": self.files,
            "cases_per_fold": self.cases_per_fold,
            # Figures only: a row per complaint per system would be 70,000 rows (30 MB).
            "pooled": self.pooled.to_json(per_complaint=False),
            "writers": {w: r.to_json(per_complaint=False) for w, r in self.writers.items()},
        }


def _pool(folds: Sequence[Predictions], cases: int) -> Predictions:
    """The folds' results end to end (same runs in the same order in every fold)."""
    runs = [
        Run(
            r.system,
            r.setting,
            [],
            None if r.retrieved is None else [],
            None if r.chance is None else [],
        )
        for r in folds[0].runs
    ]
    for fold in folds:
        for pooled, run in zip(runs, fold.runs, strict=True):
            if (pooled.system, pooled.setting) != (run.system, run.setting):
                raise AssertionError("folds ran different systems")
            pooled.extend(run)
    # `constant` differs per fold; the pooled report names the most common one.
    constant = Counter(tuple(f.constant) for f in folds).most_common(1)[0][0]
    return Predictions(cases=cases, constant=list(constant), runs=runs)


async def evaluate_by_writer(
    complaints: Sequence[CorpusComplaint],
    embedder: TextEmbedder,
    *,
    k: int = DEFAULT_K,
    triaged: Mapping[str, TriageOutput] | None = None,
    triaged_from: str | None = None,
    files: Sequence[Path] = (),
    on_embedded: Callable[[int], None] | None = None,
    on_run: Callable[[int], None] | None = None,
    on_fold: Callable[[str], None] | None = None,
) -> WriterSplitReport:
    """Leave-one-writer-out: each writer's complaints against the other writers' cases.

    `on_embedded` hears the number of texts embedded per chunk, `on_fold` the writer whose fold
    starts, `on_run` the number of complaints after each retriever run (see retriever_steps).
    Raises ValueError when `triaged` lacks a complaint or there are fewer than two writers.
    """
    check_triaged(complaints, triaged)
    folds = writer_folds(complaints)
    if len(folds) < 2:
        raise ValueError("a writer split needs complaints of at least two writers")
    texts = embed_texts([c.text for c in complaints], embedder, on_embedded)
    rows = texts.rows
    predictions: list[Predictions] = []
    for fold in folds:
        if on_fold is not None:
            on_fold(fold.writer)
        vectors = texts.vectors[[rows[case.text] for case in fold.cases]]
        base = InMemoryCaseIndex(fold.cases, vectors, embedding_version=embedder.version)
        predictions.append(
            await predict(base, fold.queries, texts, k=k, triaged=triaged, on_run=on_run)
        )
    writers = {
        fold.writer: found.report(fold.queries, embedder.version, k, triaged_from)
        for fold, found in zip(folds, predictions, strict=True)
    }
    order = [c for fold in folds for c in fold.queries]  # the pooled runs' order
    # Every complaint is a case in the other writers' folds: the pooled case count is theirs.
    pooled = _pool(predictions, len(complaints)).report(order, embedder.version, k, triaged_from)
    return WriterSplitReport(pooled, writers, [str(f) for f in files])
