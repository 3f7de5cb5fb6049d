"""Personal data stays in intake; secrets are checked without being stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.events import ComplaintResolved, FeedbackRated
from schemas.masking import mask_named, mask_personal_data, name_keys
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
            ("telp (0812) 3456-7890", "3456"),
            ("hp 0812/3456/7890", "3456"),
            ("NIK 3201/2345/6789/0123", "6789"),
            ("nik 3201  2345  6789  0123", "6789"),
            ("email sari(at)pabrik.co.id", "sari"),
            ("email sari @ pabrik . co . id", "pabrik"),
            ("email SARI [at] pabrik [dot] com", "SARI"),
        ],
    )
    def test_personal_data_is_masked(self, text: str, leak: str) -> None:
        assert leak not in mask_personal_data(text)

    def test_the_workers_own_name_is_masked_wherever_the_text_repeats_it(self) -> None:
        masked = mask_personal_data(
            "Saya SARI Wulandari, line 3. Sari sudah lapor ke Wulandari?", ["Sari Wulandari"]
        )
        assert masked == "Saya [nama], line 3. [nama] sudah lapor ke [nama]?"

    def test_short_name_parts_and_words_containing_the_name_are_left(self) -> None:
        assert mask_personal_data("Ai dan Sarinah", ["Ai Sari"]) == "Ai dan Sarinah"

    def test_every_free_text_field_of_an_analyst_event_is_masked(self) -> None:
        """Officers' notes and workers' comments carry phone numbers as easily as complaints:
        the event types mask them, whoever produces the event."""
        now = datetime.now(UTC)
        resolved = ComplaintResolved(
            complaint_id=uuid.uuid4(), union_id="spn", officer="Rina", outcome="resolved",
            actions_taken=["bipartite_negotiation"], days_to_resolve=3, resolved_at=now,
            resolution_note="NIK pekerja 3201234567890123, hp 0812-3456-7890",
        )  # fmt: skip
        rated = FeedbackRated(
            complaint_id=uuid.uuid4(), union_id="spn", score=2, fixed="partly",
            reasons=["hubungi sy 0812 3456 7890"], comment="email sari@pabrik.co.id",
            revision=1, rated_at=now,
        )  # fmt: skip
        assert resolved.resolution_note == "NIK pekerja [NIK], hp [telepon]"
        assert rated.reasons == ["hubungi sy [telepon]"]
        assert rated.comment == "email [email]"

    def test_a_service_without_the_name_masks_it_from_its_keyed_hashes(self) -> None:
        """Feedback never sees contact details; intake's keyed hashes let it mask the name in
        what officers write, in any case, without the name ever being published."""
        keys = name_keys("rahasia", ["Siti Rahmawati", "Ai"])
        assert len(keys) == 2  # "Ai" is too short to mask: it is an ordinary word too
        assert not any("siti" in key or "rahma" in key for key in keys)
        note = "Bu SITI rahmawati sudah kami hubungi; Sitinah tidak terkait."
        assert mask_named(note, keys, "rahasia") == (
            "Bu [nama] [nama] sudah kami hubungi; Sitinah tidak terkait."
        )
        assert mask_named(note, keys, "kunci-lain") == note, "another key finds nothing"

    def test_a_free_text_field_longer_than_a_complaint_is_refused_before_it_is_masked(
        self,
    ) -> None:
        """Masking reads the whole field: an unbounded one on a topic would cost every consumer
        of it that much CPU (a 700 KB field once held them all)."""
        now = datetime.now(UTC)
        with pytest.raises(ValidationError, match="at most 5000 characters"):
            ComplaintResolved(
                complaint_id=uuid.uuid4(), union_id="spn", officer="Rina", outcome="resolved",
                actions_taken=[], days_to_resolve=3, resolved_at=now,
                resolution_note="x" * 700_000,
            )  # fmt: skip

    def test_an_address_in_a_long_run_of_letters_is_still_found(self) -> None:
        """The bounded e-mail pattern still masks an address glued to a long word."""
        masked = mask_personal_data("x" * 3000 + " hubungi budi@pabrik.co.id " + "y" * 1000)
        assert "budi" not in masked and "[email]" in masked

    @pytest.mark.parametrize(
        "text",
        [
            "gaji cuma Rp 2.500.000",
            "upah 98rb/hari",
            "THR 3,1jt",
            "tgl 25-12-2025",
            "900 pcs/hari",
            "udah 15 thn kerja",
            "tgl 12/03/2025 jam 08.00-17.00",
            "target 1.200 pcs/hari, upah Rp 98.000/hari",
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
