"""The cue file is data an organiser edits: checked against the vocabulary when triage loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.vocabulary import Category
from services.triage.cues import CUES_FILE, CuesError, read_cues
from tests.datafiles import edited_copy, line_of


class TestShippedFile:
    """What triage's features are built from."""

    def test_every_category_has_cues(self) -> None:
        assert set(read_cues().categories) == set(Category)

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

    def test_an_expression_that_does_not_compile(self, tmp_path: Path) -> None:
        path = edited_copy(CUES_FILE, tmp_path, "    - 'berdarah'\n", "    - 'berdarah('\n")
        with pytest.raises(CuesError, match="not a valid regular expression") as caught:
            read_cues(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), "'berdarah('")

    def test_an_unknown_fragment(self, tmp_path: Path) -> None:
        path = edited_copy(CUES_FILE, tmp_path, "    - 'berdarah'\n", "    - '@bosses@ marah'\n")
        with pytest.raises(CuesError, match="no fragment named @bosses@"):
            read_cues(path)

    def test_an_unknown_section(self, tmp_path: Path) -> None:
        path = edited_copy(CUES_FILE, tmp_path, "tags_weak:\n", "tags_faint:\n")
        with pytest.raises(CuesError, match="tags_faint"):
            read_cues(path)
