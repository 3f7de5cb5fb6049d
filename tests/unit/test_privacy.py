"""Personal data stays in intake; secrets are checked without being stored."""

from __future__ import annotations

import pytest

from services.intake.masking import mask_personal_data
from services.runtime.tokens import (
    api_key_matches,
    hash_api_key,
    new_api_key,
    new_tracking_code,
    tracking_secret,
    tracking_secret_matches,
)


class TestMasking:
    """Phones, e-mails and NIKs vanish from event text; amounts and dates stay for triage."""

    @pytest.mark.parametrize(
        ("text", "leak"),
        [
            ("wa sy 0812-3456-7890 ya", "3456"),
            ("hubungi +62 812 3456 7890", "3456"),
            ("telp 6281234567890", "4567"),
            ("email budi.s@pabrik.co.id", "budi.s"),
            ("NIK 3201234567890123", "3201234567890123"),
            ("nik 3201 2345 6789 0123", "6789"),
        ],
    )
    def test_personal_data_is_masked(self, text: str, leak: str) -> None:
        assert leak not in mask_personal_data(text)

    @pytest.mark.parametrize(
        "text",
        [
            "gaji cuma Rp 2.500.000",
            "upah 98rb/hari",
            "THR 3,1jt",
            "tgl 25-12-2025",
            "900 pcs/hari",
            "udah 15 thn kerja",
        ],
    )
    def test_amounts_and_dates_survive(self, text: str) -> None:
        assert mask_personal_data(text) == text


class TestSecrets:
    """API keys and tracking secrets: random, checkable, never stored in clear."""

    def test_api_key_matches_only_its_own_hash(self) -> None:
        key = new_api_key("spn")
        assert api_key_matches(key, hash_api_key(key))
        assert not api_key_matches(new_api_key("spn"), hash_api_key(key))

    def test_tracking_codes_avoid_confusable_characters(self) -> None:
        codes = {new_tracking_code() for _ in range(200)}
        assert len(codes) == 200
        assert not any(ch in code[4:] for code in codes for ch in "01OIL")

    def test_tracking_secret_depends_on_key_and_code(self) -> None:
        code = new_tracking_code()
        secret = tracking_secret("k1", code)
        assert tracking_secret_matches("k1", code.lower(), secret.lower())
        assert not tracking_secret_matches("k2", code, secret)
        assert not tracking_secret_matches("k1", new_tracking_code(), secret)

    @pytest.mark.parametrize("typed", ["rahasia-é", "秘密", "\u200b", "ÄÖÜ" * 8])
    def test_a_secret_with_any_characters_is_just_wrong(self, typed: str) -> None:
        """Whatever a worker (or an attacker) types is a wrong secret, never a server error."""
        assert not tracking_secret_matches("k1", new_tracking_code(), typed)
