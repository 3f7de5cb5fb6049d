"""Who speaks, for whom, and where: the context counts triage reads beside the n-grams."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.context import (
    CONTEXT_FILE,
    ContextError,
    ContextReader,
    read_context_words,
)
from services.triage.normalize import normalize
from tests.datafiles import edited_copy, line_of

READER = ContextReader(read_context_words())


def context_of(text: str) -> dict[str, float]:
    values = READER.features(normalize(text))
    assert len(values) == len(ContextReader.FEATURES)
    return dict(zip(ContextReader.FEATURES, values, strict=True))


class TestWhoSpeaks:
    """The shape that tells the worker's own story from someone else's."""

    def test_a_worker_who_mentions_her_husband_speaks_for_herself(self) -> None:
        own = context_of(
            "Saya operator jahit. Gaji saya dipotong 300 ribu, saya sudah lapor HRD. "
            "Suami saya bilang sabar saja."
        )
        assert own["kin_of_speaker"] > 0
        assert own["speaks_mostly_of_kin"] == 0.0
        assert own["speaker_in_opening"] == 1.0

    def test_a_wife_writing_for_her_husband_speaks_mostly_of_him(self) -> None:
        relative = context_of(
            "Suami saya pemanen di kebun, kemarin dia jatuh dari pohon dan mandor tidak mau "
            "bawa ke klinik."
        )
        assert relative["speaks_mostly_of_kin"] == 1.0
        assert relative["other_person_words"] > 0

    def test_an_officers_report_never_says_saya(self) -> None:
        report = context_of(
            "Dengan hormat, pengurus PUK melaporkan bahwa anggota kami di bagian cutting belum "
            "menerima THR. Mereka sudah bertanya ke personalia."
        )
        assert report["no_speaker_word"] == 1.0
        assert report["report_words"] > 0
        assert report["group_words"] > 0

    def test_a_text_of_three_words_stays_inside_the_range_the_model_read(self) -> None:
        """Every count is scaled to [0, 1]; "saya" as one of three words once made 1.7, far
        beyond any complaint the model was trained on."""
        short = context_of("gaji saya dipotong")
        assert short["speaker_share"] == 1.0
        assert all(0.0 <= value <= 1.0 for value in short.values())

    def test_slang_for_i_counts_as_the_speaker(self) -> None:
        assert context_of("gw dipotong gaji")["speaker_words"] > 0
        assert context_of("gw dipotong gaji")["no_speaker_word"] == 0.0


class TestNamedPlaces:
    """Places are read from the original capitalisation, which the n-grams lose."""

    def test_a_place_after_di_or_dari(self) -> None:
        assert context_of("kami kerja di pabrik sepatu di Cibinong")["named_places"] > 0
        assert context_of("sa dari Ende, kerja di kebun")["named_places"] > 0

    def test_lowercase_words_after_di_are_not_places(self) -> None:
        assert context_of("kami kerja di pabrik sepatu di sana")["named_places"] == 0.0

    def test_a_company_greeting_or_month_is_not_a_name(self) -> None:
        context = context_of("Selamat pagi. Kami dari PT Maju Jaya belum gajian sejak Oktober.")
        assert context["capitalised_names"] == pytest.approx(1 / 5)  # "Jaya" only

    def test_an_administrative_area(self) -> None:
        assert context_of("Asrama di Kab. Semarang dikunci")["administrative_area"] == 1.0
        assert context_of("asrama dikunci tiap malam")["administrative_area"] == 0.0


class TestMistakes:
    """The word lists are data: each mistake names the file and the line to fix."""

    def test_a_word_given_twice(self, tmp_path: Path) -> None:
        path = edited_copy(CONTEXT_FILE, tmp_path, "  - kami\n", "  - kami\n  - kami\n")
        with pytest.raises(ContextError, match=r"context\.yaml:\d+: group: .*given twice: kami"):
            read_context_words(path)

    def test_a_capitalised_word_where_words_are_lowercase(self, tmp_path: Path) -> None:
        path = edited_copy(CONTEXT_FILE, tmp_path, "  - beliau\n", "  - Beliau\n")
        with pytest.raises(ContextError) as caught:
            read_context_words(path)
        assert caught.value.line == line_of(path.read_text(encoding="utf-8"), "- Beliau")

    def test_an_unknown_list(self, tmp_path: Path) -> None:
        path = edited_copy(CONTEXT_FILE, tmp_path, "group:\n", "groups:\n")
        with pytest.raises(ContextError, match="groups"):
            read_context_words(path)
