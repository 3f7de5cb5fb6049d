from __future__ import annotations

import pytest

from services.triage.normalize import (
    MONEY_TOKEN,
    mark_negation,
    normalize,
    parse_amount,
    read_once,
)


class TestSlang:
    """Abbreviations workers type are read as the words they stand for."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("gk dibayar", "tidak dibayar"),
            ("udh 3 bln", "sudah 3 bulan"),
            ("sy blm gajian", "saya belum gajian"),
            ("yg lain jg gitu", "yang lain juga begitu"),
            ("kmrn skrg", "kemarin sekarang"),
            ("nggak ada", "tidak ada"),
        ],
    )
    def test_abbreviations_expand(self, raw: str, expected: str) -> None:
        assert normalize(raw).text == expected

    def test_spelling_variants_collapse(self) -> None:
        """Spelling variants reach one canonical form, so one cue pattern covers them."""
        assert normalize("di-PHK").text == normalize("diPHK").text == "di phk"
        assert normalize("berondolan").text == normalize("brondolan").text == "brondol"
        assert normalize("gramaxone").text == "gramoxone"

    def test_reduplication_with_digit(self) -> None:
        assert normalize("anak2 temen2").text == "anak anak teman teman"

    def test_stretched_letters_and_emoji(self) -> None:
        assert normalize("tolooong parahhh 😭🙏").text == "tolong parah"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            pytest.param("lembur ra dibayar", "lembur tidak dibayar", id="javanese"),
            pytest.param(
                "wis telung sasi durung gajian", "sudah telung sasi belum gajian", id="javanese"
            ),
            pytest.param("mbak lis semaput ning line", "mbak lis pingsan di line", id="javanese"),
            pytest.param(
                "gudang lem kobong wingi bengi", "gudang lem terbakar kemarin malam", id="javanese"
            ),
            pytest.param("bojoku dijotos mandor", "bojoku dipukul mandor", id="javanese"),
            pytest.param("lembur teu dibayar", "lembur tidak dibayar", id="sundanese"),
            pytest.param("pun bapa tos maot", "pun bapa sudah meninggal", id="sundanese"),
            pytest.param("panto darurat dikonci", "pintu darurat dikunci", id="sundanese"),
            pytest.param("salaki abdi labuh", "suami abdi jatuh", id="sundanese"),
            pytest.param("hoyong paeh wae", "ingin mati wae", id="sundanese"),
        ],
    )
    def test_regional_words_read_as_the_indonesian_the_cues_know(
        self, raw: str, expected: str
    ) -> None:
        """Javanese and Sundanese, the languages of Java's factory belts, read as Indonesian."""
        assert normalize(raw).text == expected

    def test_slang_that_is_also_indonesian_keeps_its_meaning(self) -> None:
        """'budak' is Sundanese for a child and Indonesian for a slave (a forced-labour cue)."""
        assert normalize("diperlakukan kayak budak").text == "diperlakukan kayak budak"

    def test_javanese_negation_is_marked(self) -> None:
        assert "tidak_dibayar" in normalize("lemburan ra dibayar").marked.split()

    def test_school_level_is_not_read_as_sampai(self) -> None:
        """'SMP' is a school level (child labour evidence), not an abbreviation of 'sampai'."""
        assert "smp" in normalize("masih SMP").text.split()


class TestNegation:
    """A negated cue stays visibly negated for the word features."""

    def test_negator_joins_next_word(self) -> None:
        assert mark_negation("lembur tidak dibayar") == "lembur tidak_dibayar"

    def test_slang_negation_is_marked(self) -> None:
        assert "tidak_dibayar" in normalize("lembur gak dibayar").marked.split()

    def test_filler_after_negator_marks_the_real_object(self) -> None:
        marked = normalize("bukan soal gaji").marked.split()
        assert "bukan_gaji" in marked
        assert "gaji" not in marked


class TestMoney:
    """Amounts in any shape become a <uang> token and a parsed rupiah value."""

    @pytest.mark.parametrize(
        ("raw", "value"),
        [
            ("3,1jt", 3_100_000),
            ("98rb", 98_000),
            ("Rp 2.500.000", 2_500_000),
            ("Rp2,5 juta", 2_500_000),
            ("500 ribu", 500_000),
        ],
    )
    def test_parse_amount(self, raw: str, value: float) -> None:
        assert parse_amount(raw) == pytest.approx(value)

    def test_money_becomes_token_with_amounts(self) -> None:
        nt = normalize("gaji cuma 3,1jt, upah 98rb/hari, dulu Rp 2.500.000")
        assert nt.text.split().count(MONEY_TOKEN) == 3
        assert nt.amounts == pytest.approx((3_100_000, 98_000, 2_500_000))

    def test_plain_numbers_are_not_money(self) -> None:
        assert normalize("umur 16 kerja 12 jam").amounts == ()


class TestOriginalSpans:
    """Canonical text maps back to the worker's own words (for tag evidence)."""

    def test_span_quotes_original_spelling(self) -> None:
        nt = normalize("lembur gk dibayar!!")
        start = nt.text.index("tidak dibayar")
        assert nt.original_span(start, start + len("tidak dibayar")) == "gk dibayar"


class TestClauses:
    """Evidence quotes one clause; cutting the normalised words must keep them faithful."""

    def test_clauses_follow_punctuation_and_keep_canonical_words(self) -> None:
        clauses = normalize("Lembur gk dibayar, pintu darurat dikunci!\n tolong").clauses()
        assert [c.text.original for c in clauses] == [
            "Lembur gk dibayar",
            "pintu darurat dikunci",
            "tolong",
        ]
        assert clauses[0].text.text == "lembur tidak dibayar"
        assert clauses[0].text.marked == "lembur tidak_dibayar"

    def test_each_clause_is_normalised_like_the_clause_alone(self) -> None:
        text = "THR dicicil 3x; mandor bilang gk ada uang!! sy takut di-PHK, tolong bantu"
        for clause in normalize(text).clauses():
            alone = normalize(clause.text.original)
            assert clause.text.words == alone.words
            assert clause.text.marked == alone.marked

    def test_money_keeps_its_whole_amount_in_the_clause_it_starts(self) -> None:
        clauses = normalize("gaji cuma Rp 2.500.000 per bln, upah 3,1jt").clauses()
        assert [c.text.original for c in clauses] == ["gaji cuma Rp 2", "000 per bln", "upah 3"]
        assert [c.text.amounts for c in clauses] == [(2_500_000.0,), (), (3_100_000.0,)]

    def test_punctuation_only_text_has_no_clauses(self) -> None:
        assert normalize(" ,.!? ").clauses() == []


class TestRepetition:
    """A message pasted again and again says what it said once; a worker's emphasis stays."""

    WAGES = "gaji bulan ini dipotong Rp 300 rb tanpa alasan, kata HRD target tidak tercapai"

    @pytest.mark.parametrize("times", [2, 10, 50])
    def test_a_pasted_sentence_is_read_once(self, times: int) -> None:
        once = normalize(self.WAGES + ".")
        pasted = normalize(" ".join([self.WAGES + "."] * times))
        assert pasted.text == once.text
        assert pasted.amounts == (300_000.0,)

    def test_a_text_repeated_without_full_stops_is_read_once(self) -> None:
        assert normalize(" ".join([self.WAGES] * 10)).text == normalize(self.WAGES).text

    def test_a_short_message_flooded_is_read_once(self) -> None:
        assert normalize(". ".join(["gaji dipotong"] * 20)).text == "gaji dipotong"
        assert normalize("1234567890 " * 100).text == "1234567890"

    def test_only_the_repeat_goes(self) -> None:
        text = "tolong bantu kami. mandor potong premi. tolong bantu kami. krani diam saja"
        assert normalize(text).text == "tolong bantu kami mandor potong premi krani diam saja"

    @pytest.mark.parametrize("times", [5, 50])
    def test_a_phrase_pasted_in_place_after_an_introduction_is_read_once(self, times: int) -> None:
        intro = "saya operator jahit di PT Maju. "
        flood = " ".join(["gaji dipotong tanpa alasan"] * times)
        pasted = normalize(intro + flood + " tolong dibantu")
        assert (
            pasted.text
            == "saya operator jahit di pt maju gaji dipotong tanpa alasan tolong dibantu"
        )
        assert pasted.repeats_left_out

    @pytest.mark.parametrize(
        "text",
        [
            "tolong tolong pak",
            "anak anak disuruh angkat janjang",
            "cepat pak. cepat pak",
            "HRD bilang nanti, nanti, nanti, nanti",
            "kagak dapet THR, kagak dapet pesangon",
        ],
    )
    def test_emphasis_and_reduplication_stay(self, text: str) -> None:
        words = [w for chunk in text.split(".") for w in chunk.split()]
        assert len(normalize(text).words) == len(words)

    def test_the_encoder_reads_a_flood_once_and_anything_else_as_written(self) -> None:
        """Both views read the same words: the sentence vector of a flood is that of once."""
        assert read_once(" ".join([self.WAGES + "."] * 10)) == self.WAGES.replace(",", "")
        assert read_once(self.WAGES + ".") == self.WAGES + "."
        assert read_once("tolong tolong pak!!") == "tolong tolong pak!!"

    def test_what_is_kept_still_quotes_the_worker(self) -> None:
        pasted = normalize(" ".join(["lembur gk dibayar."] * 5))
        start = pasted.text.index("tidak dibayar")
        assert pasted.original_span(start, start + len("tidak dibayar")) == "gk dibayar"
