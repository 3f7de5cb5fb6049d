"""The writers' corpus: complaints written and labelled by independent writers (README.md).

It is triage's training data and its honest test: each writer is one group, so a model can be
scored on a writer whose style it never saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from services.triage.corpus.records import CorpusError, CorpusRecord, read_corpus_file
from services.triage.examples import Example

WRITERS_DIR = Path(__file__).parent / "writers"
# Writers kept out of training and out of sight while triage is designed: a standing test of
# text that shaped nothing (README.md, "The held-out writers").
HELDOUT_DIR = Path(__file__).parent / "heldout"
# Held out the same way: text messages of a few words, apart so that each group's figures stay
# reproducible with one folder (README.md, "Held-out text messages").
HELDOUT_SHORT_DIR = Path(__file__).parent / "heldout_short"

__all__ = [
    "HELDOUT_DIR",
    "HELDOUT_SHORT_DIR",
    "WRITERS_DIR",
    "CorpusError",
    "CorpusRecord",
    "as_example",
    "load_corpus",
]


def load_corpus(paths: Iterable[Path] = (WRITERS_DIR,)) -> list[CorpusRecord]:
    """Every record of the given JSONL files and folders of them, in file order."""
    records: list[CorpusRecord] = []
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            records.extend(read_corpus_file(file))
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise CorpusError(f"id {record.id!r} appears in two files")
        seen.add(record.id)
    return records


def as_example(record: CorpusRecord) -> Example:
    return Example(
        text=record.text,
        category=record.category,
        secondary=record.secondary,
        tags=frozenset(record.tags),
        priority=record.priority,
        sector=record.sector,
        id=record.id,
        writer=record.writer,
    )
