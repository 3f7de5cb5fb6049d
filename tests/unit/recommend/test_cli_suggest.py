"""`aduan recommend suggest`: the JSONL contract, with the real embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.recommend.cli import app
from services.recommend.offline.starter import generate, write_jsonl
from services.runtime.embedding import Embedder


@pytest.fixture()
def case_file(tmp_path: Path) -> Path:
    # Two cases per category keeps embedding fast while every category is represented.
    path = tmp_path / "cases.jsonl"
    write_jsonl(generate(per_category=2), path)
    return path


class TestSuggestContract:
    """stdin complaints in, one JSON line per complaint out, with exactly the agreed keys."""

    def test_output_contract(self, case_file: Path, real_embedder: Embedder) -> None:
        complaints = [
            {"id": "a", "text": "THR belum dibayar padahal lebaran tinggal 3 hari"},
            {
                "id": "b",
                "text": "lembur sampai malam gak dibayar",
                "sector": "garment",
                "category": "overtime",
            },
        ]
        stdin = "\n".join(json.dumps(c) for c in complaints) + "\n"
        result = CliRunner().invoke(
            app, ["suggest", "--cases", str(case_file), "--k", "3"], input=stdin
        )
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["id"] for r in rows] == ["a", "b"]
        for row in rows:
            assert set(row) == {"id", "actions", "similar_cases"}
            assert row["actions"] and len(row["similar_cases"]) == 3
            for action in row["actions"]:
                assert set(action) == {"action", "score", "rationale"}
                assert 0.0 <= action["score"] <= 1.0 and action["rationale"]
            for similar in row["similar_cases"]:
                assert set(similar) == {"case_id", "similarity"}
                assert similar["case_id"].startswith("syn-")
        assert rows[1]["actions"][0]["action"] == "collect_evidence"  # overtime playbook

    def test_invalid_lines_are_reported_and_valid_ones_answered(
        self, case_file: Path, real_embedder: Embedder
    ) -> None:
        stdin = '{"id": "ok", "text": "gaji dipotong"}\nnot json\n{"id": "x"}\n'
        result = CliRunner().invoke(app, ["suggest", "--cases", str(case_file)], input=stdin)
        assert result.exit_code == 1
        assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["ok"]
        assert "stdin: line 2" in result.stderr
        assert "stdin: line 3" in result.stderr and "text" in result.stderr
