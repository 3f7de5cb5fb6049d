"""The generator's phrase banks are data someone edits: checked when the generator loads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.vocabulary import Category, Sector, Tag
from services.triage.offline.fragments import GENERATOR_FILE, PhraseBankError, read_phrase_banks
from services.triage.offline.generator import generate
from tests.datafiles import edited_copy, line_of


class TestShippedBanks:
    """What the default training set is generated from."""

    def test_every_category_has_problems_and_every_sector_its_fillers(self) -> None:
        banks = read_phrase_banks()
        assert set(banks.problems) == set(Category)
        assert set(banks.cities) == {Sector.GARMENT, Sector.FOOTWEAR, Sector.PALM_OIL}

    def test_a_modifier_adds_its_tag_by_id(self) -> None:
        assert "ada fotonya" in read_phrase_banks().modifiers[Tag.EVIDENCE_AVAILABLE].sentences

    def test_an_edited_phrase_reaches_generated_complaints(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A new city in the palm-oil list shows up in what the generator writes."""
        path = edited_copy(
            GENERATOR_FILE, tmp_path, '  palm_oil: ["Labuhanbatu"', '  palm_oil: ["Tanah Grogot"'
        )
        monkeypatch.setattr("services.triage.offline.generator.BANKS", read_phrase_banks(path))
        texts = " ".join(e.text for e in generate(3000, seed=0) if e.sector is Sector.PALM_OIL)
        assert "tanah grogot" in texts.lower()
        assert "labuhanbatu" not in texts.lower()


class TestMistakes:
    """Each mistake names the file and the line to fix."""

    def test_a_misspelt_tag(self, tmp_path: Path) -> None:
        path = edited_copy(
            GENERATOR_FILE, tmp_path, "tags: [union_member, info_request]", "tags: [union_membr]"
        )
        with pytest.raises(PhraseBankError, match="union_membr") as caught:
            read_phrase_banks(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), "[union_membr]")

    def test_a_slot_the_generator_cannot_fill(self, tmp_path: Path) -> None:
        path = edited_copy(GENERATOR_FILE, tmp_path, "{money_day}, jauh", "{money_dya}, jauh")
        with pytest.raises(PhraseBankError, match=r"unknown slot \{money_dya\}") as caught:
            read_phrase_banks(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), "{money_dya}")

    def test_a_category_without_problems(self, tmp_path: Path) -> None:
        text = GENERATOR_FILE.read_text(encoding="utf-8")
        start = text.index("  other:\n")
        end = text.index("\n\n", start)
        path = tmp_path / GENERATOR_FILE.name
        path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
        with pytest.raises(PhraseBankError, match="no fragments for other"):
            read_phrase_banks(path)

    def test_a_sector_no_complaint_is_generated_for(self, tmp_path: Path) -> None:
        path = edited_copy(GENERATOR_FILE, tmp_path, "sectors: [palm_oil]", "sectors: [other]")
        with pytest.raises(PhraseBankError, match="complaints are generated for"):
            read_phrase_banks(path)

    def test_a_modifier_that_is_never_drawn(self, tmp_path: Path) -> None:
        path = edited_copy(GENERATOR_FILE, tmp_path, "weight: 3.0", "weight: 0")
        with pytest.raises(PhraseBankError, match="greater than 0"):
            read_phrase_banks(path)
