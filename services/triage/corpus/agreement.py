"""How far two careful people agree on the writers' labels: the ceiling a model is judged under.

Four annotators, each a separate helper session given only `agreement/BRIEF.md` (the definitions
of the writers' brief) and the texts, labelled a sample of 340 complaints (20 per writer), two
annotators per complaint, never seeing the writers' labels, each other's or any model's. This
compares every pair of labellers (writer, annotators, and optionally the model's leave-one-writer-
out triage of the same complaints) with the figures `aduan triage eval --by-writer` reports.

    python -m services.triage.corpus.agreement [--model held_out.jsonl] [--json out.json]

`held_out.jsonl` is what `aduan triage eval --by-writer ... --triaged-out` writes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from services.triage.corpus.records import read_corpus_file

HERE = Path(__file__).parent
AGREEMENT_DIR = HERE / "agreement"
WRITERS_DIR = HERE / "writers"
# The tags whose errors dominate the model's (they describe who writes and how often, more
# than what happened): their agreement is shown one by one.
CONTEXT_TAGS = (
    "reported_by_third_party",
    "ongoing_or_repeated",
    "supervisor_implicated",
    "individual",
    "collective",
    "woman_worker",
)


@dataclass(frozen=True)
class Labels:
    category: str
    tags: frozenset[str]
    priority: str


Labelling = dict[str, Labels]  # corpus id -> labels
Row = dict[str, float | str | int]


def _labels(row: dict[str, object]) -> Labels:
    tags = row.get("tags") or []
    assert isinstance(tags, list)
    return Labels(str(row["category"]), frozenset(str(t) for t in tags), str(row["priority"]))


def load_writers(ids: Iterable[str]) -> Labelling:
    wanted = set(ids)
    found: Labelling = {}
    for path in sorted(WRITERS_DIR.glob("*.jsonl")):
        for record in read_corpus_file(path):
            if record.id in wanted:
                found[record.id] = Labels(
                    record.category.value,
                    frozenset(t.value for t in record.tags),
                    record.priority.value,
                )
    return found


def load_annotators(directory: Path = AGREEMENT_DIR) -> dict[str, Labelling]:
    """annotator name -> labels by corpus id (the sample file maps sample ids to corpus ids)."""
    sample = {
        row["sample_id"]: row["id"]
        for row in map(json.loads, (directory / "sample.jsonl").read_text().splitlines())
    }
    annotators: dict[str, Labelling] = {}
    for path in sorted(directory.glob("annotator_*.jsonl")):
        rows = map(json.loads, path.read_text(encoding="utf-8").splitlines())
        annotators[path.stem] = {sample[row["id"]]: _labels(row) for row in rows}
    return annotators


def load_model(path: Path, ids: Iterable[str]) -> Labelling:
    wanted = set(ids)
    model: Labelling = {}
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        if row["id"] in wanted:
            model[row["id"]] = _labels(row)
    return model


def tag_f1(reference: Labelling, other: Labelling, tag: str | None = None) -> float:
    """Micro-F1 of `other`'s tags against `reference`'s (symmetric), on the ids both labelled."""
    both = reference.keys() & other.keys()
    shared = total = 0
    for i in both:
        a, b = reference[i].tags, other[i].tags
        if tag is not None:
            a, b = a & {tag}, b & {tag}
        shared += len(a & b)
        total += len(a) + len(b)
    return 2 * shared / total if total else 1.0


def category_agreement(reference: Labelling, other: Labelling) -> float:
    both = reference.keys() & other.keys()
    return sum(reference[i].category == other[i].category for i in both) / len(both)


def p1_recall_precision(reference: Labelling, other: Labelling) -> tuple[float, float]:
    both = reference.keys() & other.keys()
    hits = sum(reference[i].priority == "P1" == other[i].priority for i in both)
    wanted = sum(reference[i].priority == "P1" for i in both)
    flagged = sum(other[i].priority == "P1" for i in both)
    return hits / max(wanted, 1), hits / max(flagged, 1)


def majority(labellings: list[Labelling]) -> Labelling:
    """Per complaint, what most of its labellers said (a tag kept when more than half gave it)."""
    ids = set.intersection(*(set(labelling) for labelling in labellings))
    voted: Labelling = {}
    for i in ids:
        votes = [labelling[i] for labelling in labellings]
        tags = Counter(t for v in votes for t in v.tags)
        voted[i] = Labels(
            Counter(v.category for v in votes).most_common(1)[0][0],
            frozenset(t for t, n in tags.items() if n * 2 > len(votes)),
            Counter(v.priority for v in votes).most_common(1)[0][0],
        )
    return voted


def pair_row(name: str, reference: Labelling, other: Labelling) -> Row:
    recall, precision = p1_recall_precision(reference, other)
    row: Row = {
        "pair": name,
        "complaints": len(reference.keys() & other.keys()),
        "category_agreement": category_agreement(reference, other),
        "tag_micro_f1": tag_f1(reference, other),
        "p1_recall": recall,
        "p1_precision": precision,
    }
    row.update({f"f1_{tag}": tag_f1(reference, other, tag) for tag in CONTEXT_TAGS})
    return row


def compare(
    writer: Labelling, annotators: dict[str, Labelling], model: Labelling | None
) -> list[Row]:
    rows = [pair_row(f"writer ~ {name}", writer, labels) for name, labels in annotators.items()]
    rows += [
        pair_row(f"{a} ~ {b}", annotators[a], annotators[b])
        for a, b in combinations(annotators, 2)
        if annotators[a].keys() & annotators[b].keys()
    ]
    first, second = _merged_pairs(annotators)
    rows.append(pair_row("writer ~ first annotator (all)", writer, first))
    if model is not None:
        rows.append(pair_row("writer ~ model", writer, model))
        rows.append(pair_row("first annotator (all) ~ model", first, model))
    if second:
        voted = majority([writer, first, second])
        rows.append(pair_row("majority ~ writer", voted, writer))
        if model is not None:
            rows.append(pair_row("majority ~ model", voted, model))
    return rows


def _merged_pairs(annotators: dict[str, Labelling]) -> tuple[Labelling, Labelling]:
    """The annotators as two labellings covering the whole sample: first and second reader."""
    first: Labelling = {}
    second: Labelling = {}
    for labels in annotators.values():
        for i, label in labels.items():
            (second if i in first else first)[i] = label
    return first, second


def table(rows: list[Row]) -> Table:
    shown = Table(title="Agreement between labellers (the first of each pair is the reference)")
    columns = ["pair", "complaints", "category_agreement", "tag_micro_f1", "p1_recall"]
    columns += ["p1_precision", *(f"f1_{t}" for t in CONTEXT_TAGS)]
    for column in columns:
        shown.add_column(column.replace("f1_", "F1 ").replace("_", " "))
    for row in rows:
        shown.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    return shown


def main(
    model: Path | None = typer.Option(None, help="held-out triage (eval --triaged-out)"),
    json_out: Path | None = typer.Option(None, "--json", help="write the figures here"),
) -> None:
    annotators = load_annotators()
    ids = set.union(*(set(labels) for labels in annotators.values()))
    rows = compare(load_writers(ids), annotators, load_model(model, ids) if model else None)
    Console().print(table(rows))
    if json_out is not None:
        json_out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    typer.run(main)
