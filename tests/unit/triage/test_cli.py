from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from schemas.examples import DOMAIN_EXAMPLES
from schemas.vocabulary import Category, Priority, Tag
from services.triage.cli import app
from services.triage.corpus import WRITERS_DIR

runner = CliRunner()
OUTPUT_KEYS = (
    "id",
    "category",
    "secondary",
    "tags",
    "priority",
    "confidence",
    "needs_review",
    "emergency_score",
)


def _run(args: list[str], stdin: str):
    return runner.invoke(app, args, input=stdin)


class TestClassifyContract:
    """`aduan triage classify` speaks the stable JSONL contract."""

    def test_one_result_per_line_with_exact_keys(self, model_dir: Path) -> None:
        lines = [
            {"id": "a1", "text": "lembur sampe jam 11 mlm gak dibayar", "sector": "garment"},
            {"id": 2, "text": "ijazah sy ditahan, mau resign gak boleh"},
            {"id": "c3", "text": "pintu darurat digembok", "sector": None},
        ]
        stdin = "\n".join(json.dumps(x) for x in lines) + "\n\n"
        result = _run(["classify", "--model-dir", str(model_dir)], stdin)
        assert result.exit_code == 0, result.output
        rows = [json.loads(x) for x in result.stdout.splitlines()]
        assert [r["id"] for r in rows] == ["a1", 2, "c3"]
        for row in rows:
            assert tuple(row) == OUTPUT_KEYS
            assert Category(row["category"]) and all(Category(c) for c in row["secondary"])
            assert all(Tag(t) for t in row["tags"])
            assert Priority(row["priority"])
            assert isinstance(row["confidence"], float)
            assert isinstance(row["needs_review"], bool)
        assert rows[2]["priority"] == "P1"

    def test_env_var_selects_model_dir(self, model_dir: Path) -> None:
        result = runner.invoke(
            app,
            ["classify"],
            input='{"id": 1, "text": "THR telat"}\n',
            env={"ADUAN_MODEL_DIR": str(model_dir)},
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["category"] == "thr_holiday_allowance"

    def test_empty_input_gives_empty_output(self, model_dir: Path) -> None:
        result = _run(["classify", "--model-dir", str(model_dir)], "")
        assert result.exit_code == 0
        assert result.stdout == ""


class TestClassifyBadInput:
    """A bad line stops the run with a message naming it; nothing is half-written."""

    def _assert_fails(self, model_dir: Path, stdin: str, fragment: str) -> None:
        result = _run(["classify", "--model-dir", str(model_dir)], stdin)
        assert result.exit_code != 0
        assert result.stdout == ""  # nothing partial
        assert fragment in result.stderr

    def test_invalid_json_names_line(self, model_dir: Path) -> None:
        stdin = '{"id": 1, "text": "gaji telat"}\n{"id": 2, "text": \n'
        self._assert_fails(model_dir, stdin, "line 2")

    def test_missing_text(self, model_dir: Path) -> None:
        self._assert_fails(model_dir, '{"id": 1}\n', "line 1: 'text'")

    def test_missing_id(self, model_dir: Path) -> None:
        self._assert_fails(model_dir, '{"text": "gaji telat"}\n', "line 1: 'id'")

    def test_unknown_sector(self, model_dir: Path) -> None:
        self._assert_fails(
            model_dir, '{"id": 1, "text": "x", "sector": "mining"}\n', "unknown sector"
        )

    def test_not_an_object(self, model_dir: Path) -> None:
        self._assert_fails(model_dir, '["gaji telat"]\n', "line 1: expected a JSON object")


class TestEvalCommand:
    """`eval` prints the report and writes the confusion matrix."""

    def test_eval_writes_plot(self, model_dir: Path, tmp_path: Path) -> None:
        data = DOMAIN_EXAMPLES
        plot = tmp_path / "confusion.png"
        result = runner.invoke(
            app, ["eval", str(data), "--model-dir", str(model_dir), "--plot", str(plot)]
        )
        assert result.exit_code == 0, result.output
        assert "category_macro_f1" in result.stdout
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def test_a_corpus_of_one_writer_is_refused_with_the_reason(self, tmp_path: Path) -> None:
        """Leaving a writer out needs another to train on: the command says so, exit code 2."""
        writer = (WRITERS_DIR / "w01.jsonl").read_text().splitlines()[:5]
        corpus = tmp_path / "alone.jsonl"
        corpus.write_text("\n".join(writer) + "\n")
        args = ["eval", "--by-writer", str(corpus), "--size", "0", "--embedding-model", "none"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "at least two writers" in result.output

    def test_fewer_than_two_folds_are_refused(self, tmp_path: Path) -> None:
        args = ["eval", "--by-writer", str(WRITERS_DIR), "--folds", "1"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "--folds" in result.output
