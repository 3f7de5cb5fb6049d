"""The cue file is data an organiser edits: checked against the vocabulary when triage loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.vocabulary import Category
from services.triage.cues import CUES_FILE, CuesError, read_cues
from services.triage.priority import danger_in_words
from tests.datafiles import edited_copy, line_of


class TestShippedFile:
    """What triage's features are built from."""

    def test_every_category_has_cues(self) -> None:
        assert set(read_cues().categories) == set(Category)

    def test_the_danger_words_are_read_from_the_file(self) -> None:
        """An organiser's danger phrase is what priority reads, negation and all."""
        assert "tenggelam" in read_cues().danger
        assert danger_in_words("pemanen tenggelam di parit")
        assert not danger_in_words("bukan soal tenggelam")

    def test_fragments_are_written_out(self) -> None:
        cues = read_cues()
        patterns = cues.expanded(["@docs@ ditahan"])
        assert patterns[0].startswith("(ktp|ijazah") and patterns[0].endswith(" ditahan")


class TestMistakes:
    """Each mistake names the file and the line to fix."""

    def test_a_misspelt_tag_id(self, tmp_path: Path) -> None:
        path = edited_copy(
            CUES_FILE, tmp_path, "  document_retention:\n", "  document_retension:\n"
        )
        with pytest.raises(CuesError, match="document_retension") as caught:
            read_cues(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), "document_retension")

    # A tag's cue, and a danger word (which raises P1 without any tag: a typo there must not
    # load silently either).
    @pytest.mark.parametrize(
        ("line", "broken"),
        [
            ("    - 'berdarah'\n", "    - 'berdarah('\n"),
            ("  - 'tenggelam'\n", "  - 'tenggelam)'\n"),
        ],
    )
    def test_an_expression_that_does_not_compile(
        self, tmp_path: Path, line: str, broken: str
    ) -> None:
        path = edited_copy(CUES_FILE, tmp_path, line, broken)
        with pytest.raises(CuesError, match="not a valid regular expression") as caught:
            read_cues(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), broken.strip()[2:])

    @pytest.mark.parametrize(
        ("line", "unknown"),
        [("    - 'berdarah'\n", "bosses"), ("  - 'tenggelam'\n", "river")],
    )
    def test_an_unknown_fragment(self, tmp_path: Path, line: str, unknown: str) -> None:
        indent = line[: line.index("-")]
        path = edited_copy(CUES_FILE, tmp_path, line, f"{indent}- '@{unknown}@ marah'\n")
        with pytest.raises(CuesError, match=f"no fragment named @{unknown}@"):
            read_cues(path)

    def test_an_unknown_section(self, tmp_path: Path) -> None:
        path = edited_copy(CUES_FILE, tmp_path, "tags_weak:\n", "tags_faint:\n")
        with pytest.raises(CuesError, match="tags_faint"):
            read_cues(path)

    def test_an_empty_list_of_work_words(self, tmp_path: Path) -> None:
        """Without work words no child would ever be in hazardous work: refused, not loaded."""
        text = CUES_FILE.read_text(encoding="utf-8")
        path = tmp_path / "cues.yaml"
        path.write_text(text[: text.index("\nhazardous_work:")] + "\nhazardous_work: []\n")
        with pytest.raises(CuesError, match="hazardous_work"):
            read_cues(path)
