"""Control characters are refused at every edge, naming the field and never echoing the value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from schemas.clean import first_control_character, printable
from schemas.events import ComplaintReceived


def received(**fields: object) -> ComplaintReceived:
    values: dict[str, object] = {
        "union_id": "spn",
        "idempotency_key": "k-1",
        "text": "gaji dipotong tanpa alasan",
    }
    return ComplaintReceived.model_validate(values | fields)


class TestControlCharacters:
    """NUL cannot be stored, lone surrogates are not UTF-8, other controls hide text."""

    @pytest.mark.parametrize("character", ["\x00", "\x1b", "\x08", "\x7f", "\x85", "\ud800"])
    def test_a_control_character_anywhere_is_found_with_its_path(self, character: str) -> None:
        data = {"text": "ok", "contact": {"name": f"Siti{character}"}, "reasons": ["a", "b"]}
        assert first_control_character(data) == ("contact.name", character)
        assert first_control_character({"reasons": ["a", f"b{character}"]}) == (
            "reasons.1",
            character,
        )

    def test_tabs_and_line_breaks_are_text(self) -> None:
        assert first_control_character({"text": "baris satu\r\nbaris dua\tdan tab"}) is None
        assert received(text="lembur\ntidak dibayar\tsejak Maret").text.startswith("lembur")

    def test_an_event_with_nul_is_refused_naming_the_field_not_the_value(self) -> None:
        with pytest.raises(ValidationError) as refused:
            received(contact={"name": "Siti\x00Aminah"})
        [error] = refused.value.errors()
        assert "contact.name contains the control character U+0000" in error["msg"]
        assert "Aminah" not in error["msg"]

    def test_numbers_and_booleans_pass_untouched(self) -> None:
        assert first_control_character({"score": 3, "fixed": True, "vector": [0.1, 0.2]}) is None

    def test_text_after_an_embedding_is_still_checked(self) -> None:
        """Numbers are skipped, not the strings and lists that follow them."""
        data = {"embedding": [0.1] * 512, "evidence": [{"tag": "injury", "cue": "x\x00"}]}
        assert first_control_character(data) == ("evidence.0.cue", "\x00")
        assert first_control_character([[0.5, 1], ["ok", "\x1b"]]) == ("1.1", "\x1b")


class TestSubmittedText:
    """A submission's text is stored in one canonical form and must say something."""

    def test_full_width_letters_and_ligatures_become_plain_letters(self) -> None:
        assert received(text="ｇａｊｉ telat ﬁnal bulan").text == "gaji telat final bulan"

    def test_zero_width_characters_are_dropped_from_text_and_workplace(self) -> None:
        complaint = received(text="lem\u200bbur tidak\ufeff dibayar", workplace="PT\u200d Maju")
        assert complaint.text == "lembur tidak dibayar"
        assert complaint.workplace == "PT Maju"

    @pytest.mark.parametrize(
        "text", [" " * 40, "\n\t " * 10, "\u200b" * 30, "a \u200b b  \u2060 c"]
    )
    def test_a_text_without_enough_visible_characters_is_refused(self, text: str) -> None:
        # Zero-width characters are dropped first, so some texts are simply too short then.
        with pytest.raises(ValidationError, match=r"at least 10 (visible )?characters"):
            received(text=text)

    @pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(1949, 12, 31)])
    def test_an_implausible_day_is_refused(self, day: date) -> None:
        with pytest.raises(ValidationError, match="occurred_on must lie between"):
            received(occurred_on=day)

    def test_today_and_old_wrongs_are_plausible_days(self) -> None:
        today = datetime.now(UTC).date()
        assert received(occurred_on=today).occurred_on == today
        assert received(occurred_on=date(1998, 5, 1)).occurred_on == date(1998, 5, 1)


class TestErrorsNamingInput:
    """An error may name a field, even a client's own dictionary key, but never carries its
    control characters (an error built from them was itself refused: a 500)."""

    def test_control_characters_become_question_marks(self) -> None:
        assert printable("targets.\x9d\x07P2") == "targets.??P2"

    def test_long_names_are_cut(self) -> None:
        assert printable("k" * 500, limit=10) == "k" * 9 + "…"
