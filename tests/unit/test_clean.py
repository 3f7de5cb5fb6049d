"""Control characters are refused at every edge, naming the field and never echoing the value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.clean import first_control_character
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
