"""The playbook as a data file: the shipped YAML, mistakes named by file and line, edits as data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemas.vocabulary import Action, Category, Outcome, Sector
from services.recommend.app import RecommendSettings, create_app
from services.recommend.cases import ResolvedCase
from services.recommend.deadlines import Deadline, KeyDates
from services.recommend.models import Complaint, Recommendation
from services.recommend.playbook import (
    ACTION_GUIDES,
    DEFAULT_PLAYBOOK,
    PLAYBOOK,
    PLAYBOOK_FILE,
    PlaybookError,
    evidence_for,
    legal_basis_for,
    load_playbook,
)
from services.recommend.retrieval import InMemoryCaseIndex
from services.recommend.service import recommend
from tests.datafiles import edited_copy, line_of
from tests.unit.recommend.fakes import HashingEmbedder

SHIPPED = PLAYBOOK_FILE.read_text(encoding="utf-8")


def edited(tmp_path: Path, old: str, new: str, *, count: int = 1) -> Path:
    """A copy of the shipped playbook with `old` (which must occur) replaced by `new`."""
    return edited_copy(PLAYBOOK_FILE, tmp_path, old, new, count=count)


def failure(path: Path) -> PlaybookError:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    return caught.value


class TestShippedPlaybook:
    """The data file in the repository loads, covers every id, and is what callers import."""

    def test_covers_every_category_and_action(self) -> None:
        playbook = load_playbook()
        assert set(playbook.categories) == set(Category)
        assert set(playbook.guides) == set(Action)
        assert all(entry.first_actions for entry in playbook.categories.values())

    def test_module_constants_are_the_loaded_file(self) -> None:
        assert DEFAULT_PLAYBOOK.source == PLAYBOOK_FILE
        assert PLAYBOOK is DEFAULT_PLAYBOOK.categories
        assert ACTION_GUIDES is DEFAULT_PLAYBOOK.guides
        assert load_playbook(PLAYBOOK_FILE) == DEFAULT_PLAYBOOK

    def test_texts_read_as_before(self) -> None:
        overtime = PLAYBOOK[Category.OVERTIME]
        assert overtime.first_actions[0] is Action.COLLECT_EVIDENCE
        assert overtime.time_norms == (
            "Lembur maks 4 jam/hari dan 18 jam/minggu; makan ≥1.400 kkal bila lembur ≥4 jam."
        )
        # A folded block scalar is one line with single spaces.
        assert PLAYBOOK[Category.CHILD_LABOUR].legal_basis[0] == (
            "UU 13/2003 Ps 68-75 (Ps 73: anak di tempat kerja dianggap bekerja; Ps 74 bentuk"
            " terburuk)"
        )
        assert legal_basis_for(Action.BIPARTITE_NEGOTIATION, Category.OVERTIME) == [
            "UU 2/2004 Ps 3, 6 (bipartit wajib, selesai ≤30 hari kerja, risalah ditandatangani)",
            "PP 35/2021 Ps 26-33",
        ]
        assert evidence_for(Action.INFORMATION_RESPONSE, Category.OTHER) == [
            "dokumen yang berkaitan dengan pertanyaan"
        ]
        assert "UU 13/2003 Ps 5-6 (unverified)" in PLAYBOOK[Category.DISCRIMINATION].legal_basis


class TestMistakesNamedByFileAndLine:
    """A legal officer's typo stops the load with the file and the line to fix."""

    def test_misspelt_category_id(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "  overtime:\n", "  overtme:\n")
        error = failure(path)
        line = line_of(path.read_text(encoding="utf-8"), "  overtme:")
        assert error.path == path and error.line == line
        assert f"{path}:{line}:" in str(error)
        assert "overtme" in str(error) and "did you mean 'overtime'" in str(error)

    def test_misspelt_action_id(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "      - thr_complaint_post\n", "      - thr_complain_post\n")
        error = failure(path)
        line = line_of(path.read_text(encoding="utf-8"), "- thr_complain_post")
        assert error.line == line
        assert f"{path}:{line}:" in str(error)
        assert "categories → thr_holiday_allowance → first_actions → 0" in str(error)
        assert "did you mean 'thr_complaint_post'" in str(error)

    def test_misspelt_action_guide_id(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "  police_report:\n", "  polise_report:\n")
        error = failure(path)
        assert error.line == line_of(path.read_text(encoding="utf-8"), "  polise_report:")
        assert str(path) in str(error)

    def test_every_problem_is_listed(self, tmp_path: Path) -> None:
        text = SHIPPED.replace("  overtime:\n", "  overtme:\n").replace(
            "  police_report:\n", "  polise_report:\n"
        )
        path = tmp_path / "playbook.yaml"
        path.write_text(text, encoding="utf-8")
        message = str(failure(path))
        assert f"{path}:{line_of(text, '  overtme:')}:" in message
        assert f"{path}:{line_of(text, '  polise_report:')}:" in message

    def test_missing_category(self, tmp_path: Path) -> None:
        start = SHIPPED.index("  # Lainnya\n  other:\n")
        end = SHIPPED.index("\n\n", start)
        path = tmp_path / "playbook.yaml"
        path.write_text(SHIPPED[:start] + SHIPPED[end + 2 :], encoding="utf-8")
        error = failure(path)
        assert error.line == line_of(SHIPPED, "categories:")
        assert "no entry for category other" in str(error)

    def test_key_given_twice(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "  leave_rest:\n", "  overtime:\n")
        error = failure(path)
        text = path.read_text(encoding="utf-8")
        second = [n for n, line in enumerate(text.splitlines(), 1) if line == "  overtime:"][1]
        assert error.line == second
        assert f"first on line {line_of(text, '  overtime:')}" in str(error)

    def test_number_instead_of_text(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "      - PP 35/2021 Ps 26-33\n", "      - 2021\n")
        error = failure(path)
        assert error.line == line_of(path.read_text(encoding="utf-8"), "      - 2021")
        assert "must be a text" in str(error)

    def test_broken_yaml(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "      - slip gaji\n", '      - "slip gaji\n')
        error = failure(path)
        assert str(path) in str(error) and "not valid YAML" in str(error)
        opened = line_of(path.read_text(encoding="utf-8"), '- "slip gaji')
        # The unclosed quote is noticed far below; the message also names where it began.
        assert error.line > opened and f"on line {opened}" in str(error)


class TestUnknownKeys:
    """Fields are a closed set too: a misspelt field name is not silently ignored."""

    def test_unknown_field_in_a_category(self, tmp_path: Path) -> None:
        path = edited(
            tmp_path,
            "      - PP 35/2021 Ps 26-33\n",
            "      - PP 35/2021 Ps 26-33\n    legal_bases:\n      - UU 2/2004\n",
        )
        error = failure(path)
        assert error.line == line_of(path.read_text(encoding="utf-8"), "    legal_bases:")
        assert "categories → overtime → legal_bases: unknown field" in str(error)

    def test_unknown_top_level_section(self, tmp_path: Path) -> None:
        path = tmp_path / "playbook.yaml"
        path.write_text(SHIPPED + "\nrelated:\n  - teks\n", encoding="utf-8")
        error = failure(path)
        assert error.line == line_of(path.read_text(encoding="utf-8"), "related:")
        assert "related: unknown field" in str(error)


class TestPlaybookChangeIsADataEdit:
    """A new legal basis in a copied file reaches the recommendation, through the service path."""

    NEW_BASIS = "Permenaker 99/2099 (dasar hukum contoh untuk uji)"

    @staticmethod
    def overtime_complaint() -> Complaint:
        return Complaint(
            complaint_id="c-1",
            union_id="spn",
            text="lembur tiap hari sampai jam 10 malam tidak dibayar",
            category=Category.OVERTIME,
        )

    @staticmethod
    def index(embedder: HashingEmbedder) -> InMemoryCaseIndex:
        unrelated = ResolvedCase(
            case_id="thr-1",
            sector=Sector.GARMENT,
            union="spn",
            text="THR dicicil dua kali",
            category=Category.THR_HOLIDAY_ALLOWANCE,
            actions_taken=[Action.THR_COMPLAINT_POST],
            outcome=Outcome.RESOLVED,
            days_to_resolve=5,
        )
        return InMemoryCaseIndex.from_cases([unrelated], embedder)

    async def test_new_legal_basis_appears(self, tmp_path: Path) -> None:
        path = edited(
            tmp_path,
            "      - PP 35/2021 Ps 26-33\n",
            f"      - PP 35/2021 Ps 26-33\n      - {self.NEW_BASIS}\n",
        )
        playbook = load_playbook(path)
        embedder = HashingEmbedder()
        complaint = self.overtime_complaint()

        edited_rec = await recommend(
            complaint, self.index(embedder), embedder=embedder, playbook=playbook
        )
        shipped_rec = await recommend(complaint, self.index(embedder), embedder=embedder)

        assert edited_rec.actions and edited_rec.actions[0].action is Action.COLLECT_EVIDENCE
        for action in edited_rec.actions:
            assert action.legal_basis[-1] == self.NEW_BASIS
        assert all(self.NEW_BASIS not in a.legal_basis for a in shipped_rec.actions)
        # Everything else is as the shipped playbook says.
        assert [a.action for a in edited_rec.actions] == [a.action for a in shipped_rec.actions]

    async def test_reordered_first_actions_change_the_advice(self, tmp_path: Path) -> None:
        head = "  overtime:\n    first_actions:\n"
        path = edited(
            tmp_path,
            f"{head}      - collect_evidence\n      - calculate_entitlement\n",
            f"{head}      - calculate_entitlement\n      - collect_evidence\n",
        )
        embedder = HashingEmbedder()
        rec = await recommend(
            self.overtime_complaint(),
            self.index(embedder),
            embedder=embedder,
            playbook=load_playbook(path),
        )
        assert rec.actions[0].action is Action.CALCULATE_ENTITLEMENT


class TestDeadlineChangeIsADataEdit:
    """A legal officer changes a deadline's period and text in the playbook; dates follow."""

    async def test_longer_dismissal_refusal_period(self, tmp_path: Path) -> None:
        path = edited(
            tmp_path,
            "    anchor: dismissal_notice\n    due: {working_days: 7}\n",
            "    anchor: dismissal_notice\n    due: {working_days: 10}\n",
        )
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "paling lambat 7 hari kerja sejak surat", "paling lambat 10 hari kerja sejak surat"
            ),
            encoding="utf-8",
        )
        complaint = Complaint(
            complaint_id="c-2",
            union_id="spn",
            text="saya di-PHK sepihak, surat PHK saya terima hari Jumat",
            category=Category.TERMINATION_SEVERANCE,
            key_dates=KeyDates(dismissal_notice=date(2026, 8, 7)),
        )
        embedder = HashingEmbedder()
        index = TestPlaybookChangeIsADataEdit.index(embedder)
        edited_rec = await recommend(
            complaint, index, embedder=embedder, playbook=load_playbook(path)
        )
        shipped_rec = await recommend(complaint, index, embedder=embedder)

        def bipartite(rec: Recommendation) -> Deadline:
            step = next(a for a in rec.actions if a.action is Action.BIPARTITE_NEGOTIATION)
            assert step.deadline is not None
            return step.deadline

        # From Fri 7 Aug 2026, skipping Independence Day (Mon 17 Aug): 7 working days end on
        # Wed 19 Aug, 10 on Mon 24 Aug.
        assert bipartite(shipped_rec).due == date(2026, 8, 19)
        assert bipartite(edited_rec).due == date(2026, 8, 24)
        assert "10 hari kerja" in bipartite(edited_rec).text

    def test_two_periods_for_one_rule(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "    due: {months: 6}\n", "    due: {months: 6, days: 3}\n")
        problem = failure(path)
        assert "exactly one of days, working_days, months" in str(problem)
        assert problem.line == line_of(path.read_text(encoding="utf-8"), "{months: 6, days: 3}")

    def test_anchor_that_is_not_a_key_date(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "    anchor: accident\n", "    anchor: kecelakaan\n")
        problem = failure(path)
        assert "kecelakaan" in str(problem) or "accident" in str(problem)
        assert problem.line == line_of(path.read_text(encoding="utf-8"), "anchor: kecelakaan")

    def test_missing_rule(self, tmp_path: Path) -> None:
        text = SHIPPED
        start = text.index("  jkp_claim_6_months:\n")
        end = text.index("\n\n", start)
        path = tmp_path / PLAYBOOK_FILE.name
        path.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
        assert "jkp_claim_6_months" in str(failure(path))


class TestOperatorSetting:
    """ADUAN_PLAYBOOK_FILE points the service at the union's own copy, checked at start."""

    def test_setting_read_from_the_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "own.yaml"
        monkeypatch.setenv("ADUAN_PLAYBOOK_FILE", str(path))
        assert RecommendSettings().playbook_file == path
        monkeypatch.delenv("ADUAN_PLAYBOOK_FILE")
        assert RecommendSettings().playbook_file is None

    def test_broken_file_stops_the_start(self, tmp_path: Path) -> None:
        path = edited(tmp_path, "  overtime:\n", "  overtme:\n")
        with pytest.raises(PlaybookError, match=rf"{tmp_path}.*playbook\.yaml:\d+:"):
            create_app(RecommendSettings(playbook_file=path))
