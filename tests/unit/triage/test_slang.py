"""The slang table is data a language helper edits: checked when triage loads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.normalize import SLANG_FILE, normalize
from services.triage.slang import SlangError, read_slang
from tests.datafiles import edited_copy, line_of


class TestShippedTable:
    """What triage reads every complaint with."""

    def test_negations_read_as_negations(self) -> None:
        assert normalize("gaji gk dibayar").text == normalize("gaji tidak dibayar").text

    def test_a_mapping_to_several_words(self) -> None:
        assert read_slang(SLANG_FILE)["diphk"] == "di phk"


class TestMistakes:
    """Each mistake names the file and the line to fix."""

    def test_a_token_given_twice_in_a_section(self, tmp_path: Path) -> None:
        path = edited_copy(
            SLANG_FILE, tmp_path, '  "ga": "tidak"\n', '  "ga": "tidak"\n  "ga": "juga"\n'
        )
        with pytest.raises(SlangError, match=r"slang\.yaml:\d+: negation → ga: given twice"):
            read_slang(path)

    def test_a_token_in_two_sections(self, tmp_path: Path) -> None:
        path = edited_copy(
            SLANG_FILE, tmp_path, "workplace_spellings:\n", 'workplace_spellings:\n  "gk": "gak"\n'
        )
        with pytest.raises(SlangError, match="'gk' is in both negation and workplace_spellings"):
            read_slang(path)

    def test_an_uppercase_or_spaced_token(self, tmp_path: Path) -> None:
        path = edited_copy(SLANG_FILE, tmp_path, '  "gk": "tidak"\n', '  "G K": "tidak"\n')
        with pytest.raises(SlangError) as caught:
            read_slang(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), '"G K"')

    def test_an_empty_canonical_form(self, tmp_path: Path) -> None:
        path = edited_copy(SLANG_FILE, tmp_path, '  "gk": "tidak"\n', '  "gk": ""\n')
        with pytest.raises(SlangError, match=r"negation → gk"):
            read_slang(path)
