"""The writers' corpus: a data contract checked like code."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from schemas.vocabulary import Category, Priority, Tag
from services.triage.corpus import (
    HELDOUT_DIR,
    HELDOUT_SHORT_DIR,
    WRITERS_DIR,
    CorpusError,
    as_example,
    load_corpus,
)
from services.triage.corpus.records import read_corpus_file

CHECK = Path(__file__).resolve().parents[3] / "services/triage/corpus/check.py"
CORPUS_DIRS = (WRITERS_DIR, HELDOUT_DIR, HELDOUT_SHORT_DIR)


def _record(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "w99-0001",
        "writer": "w99",
        "sector": "garment",
        "text": "lembur sampai jam 10 malam tidak dibayar",
        "category": "overtime",
        "secondary": [],
        "tags": ["collective"],
        "priority": "P3",
        "actions": ["collect_evidence", "calculate_entitlement", "bipartite_negotiation"],
        "hard_negative": False,
    }
    record.update(overrides)
    return record


def _write(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class TestShippedCorpus:
    """What the corpus must hold to train and test triage honestly (its README's promises)."""

    @pytest.fixture(scope="class")
    def records(self):
        return load_corpus()

    def test_many_independent_writers(self, records) -> None:
        writers = Counter(r.writer for r in records)
        assert len(writers) >= 8
        assert len(records) >= 2400
        assert min(writers.values()) >= 200, "every writer contributes a real share"

    def test_every_category_tag_and_emergency_is_well_covered(self, records) -> None:
        categories = Counter(r.category for r in records)
        tags = Counter(t for r in records for t in r.tags)
        assert all(categories[c] >= 150 for c in Category), categories
        assert all(tags[t] >= 40 for t in Tag), tags
        assert sum(r.priority is Priority.P1 for r in records) >= 300
        assert sum(r.hard_negative for r in records) >= 300

    def test_the_forty_domain_examples_are_not_in_it(self, records, domain_examples) -> None:
        written = {r.text.strip().lower() for r in records}
        assert not written & {e.text.strip().lower() for e in domain_examples}

    def test_the_heldout_writers_are_neither_trained_on_nor_repeated(self, records) -> None:
        """Training reads `writers/` only; a held-out writer there would no longer test anything."""
        heldout = load_corpus([HELDOUT_DIR, HELDOUT_SHORT_DIR])
        assert len({r.writer for r in heldout}) >= 7
        assert not {r.writer for r in heldout} & {r.writer for r in records}
        written = {r.text.strip().lower() for r in records}
        assert not written & {r.text.strip().lower() for r in heldout}

    def test_records_become_examples_with_their_writer(self, records) -> None:
        example = as_example(records[0])
        assert example.writer == records[0].writer
        assert example.category is records[0].category
        assert example.tags == frozenset(records[0].tags)


class TestValidation:
    """A misspelt id fails loudly with the file and line, so bad data never trains a model."""

    def test_unknown_tag_names_file_and_line(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "w99.jsonl", _record(), _record(id="w99-0002", tags=["ongoing"]))
        with pytest.raises(CorpusError, match=r"w99\.jsonl:2"):
            read_corpus_file(path)

    def test_primary_repeated_as_secondary_is_refused(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "w99.jsonl", _record(secondary=["overtime"]))
        with pytest.raises(CorpusError, match="repeated in secondary"):
            read_corpus_file(path)

    def test_duplicate_ids_across_files_are_refused(self, tmp_path: Path) -> None:
        _write(tmp_path / "a.jsonl", _record())
        _write(tmp_path / "b.jsonl", _record(writer="w98"))
        with pytest.raises(CorpusError, match="appears in two files"):
            load_corpus([tmp_path])

    def test_the_writers_check_reports_quotas(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "w99.jsonl", _record(actions=["collect_evidence"]))
        out = subprocess.run(
            [sys.executable, str(CHECK), str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert out.startswith("1 complaints, 0 P1, 0 hard negatives")
        assert "fewer than 3 actions: w99-0001" in out

    def test_every_shipped_file_is_valid(self) -> None:
        for path in sorted(p for d in CORPUS_DIRS for p in d.glob("*.jsonl")):
            assert read_corpus_file(path), path
