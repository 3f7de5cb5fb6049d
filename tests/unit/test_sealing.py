"""Dead letters sealed with the operator's keys: readable by `aduan dlq`, by no one else."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.runtime.sealing import CONTACTS, DEAD_LETTERS, Sealer, SealError, letter

OLD, NEW = SecretStr("o" * 32), SecretStr("n" * 44)
BODY = b'{"contact": {"phone": "081234567890"}, "text": "' + b"lembur " * 2_000 + b'"}'


class TestSealing:
    """A sealed body opens to exactly what failed, and hides it from everyone else."""

    def test_a_sealed_body_opens_to_the_original_and_hides_its_words(self) -> None:
        sealed = Sealer([NEW]).seal(BODY)
        assert b"0812" not in sealed
        assert Sealer([NEW]).open(sealed) == BODY

    def test_a_sealed_body_is_no_larger_than_the_event_that_failed(self) -> None:
        """Compressed before sealing: it fits on the dead-letter topic wherever it fitted."""
        assert len(Sealer([NEW]).seal(BODY)) < len(BODY)

    def test_a_letter_sealed_with_the_old_key_still_opens_after_rotation(self) -> None:
        sealed_before = Sealer([OLD]).seal(BODY)
        rotated = Sealer([NEW, OLD])
        assert rotated.open(sealed_before) == BODY
        assert Sealer([NEW]).open(rotated.seal(BODY)) == BODY

    def test_a_wrong_key_or_an_altered_letter_does_not_open(self) -> None:
        sealed = Sealer([OLD]).seal(BODY)
        with pytest.raises(SealError):
            Sealer([NEW]).open(sealed)
        with pytest.raises(SealError):
            Sealer([OLD]).open(sealed[:-4] + b"AAAA")

    def test_a_short_key_is_refused(self) -> None:
        with pytest.raises(ValueError, match="32 characters"):
            Sealer([SecretStr("short")])


class TestLetter:
    """What the dead-letter topic receives, with and without keys."""

    def test_with_keys_the_body_is_sealed_and_said_so(self) -> None:
        body, headers = letter(BODY, Sealer([NEW]))
        assert headers["x-dlq-body"] == "sealed"
        assert Sealer([NEW]).open(body) == BODY

    def test_without_keys_only_size_and_digest_remain(self) -> None:
        body, headers = letter(BODY, None)
        assert body == b""
        assert headers["x-dlq-body"] == "withheld"
        assert headers["x-dlq-body-bytes"] == str(len(BODY))
        assert len(headers["x-dlq-body-sha256"]) == 64


class TestSealedText:
    """Contact fields sealed at rest: one key per purpose, rotation by re-sealing."""

    def test_a_sealed_value_opens_and_shows_nothing_of_the_number(self) -> None:
        sealer = Sealer([NEW], purpose=CONTACTS)
        sealed = sealer.seal_text("0812-3456-7890")
        assert "0812" not in sealed and sealed.startswith("sealed:v1:")
        assert sealer.open_text(sealed) == "0812-3456-7890"

    def test_a_value_stored_before_sealing_reads_as_it_is(self) -> None:
        assert Sealer([NEW], purpose=CONTACTS).open_text("Siti Aminah") == "Siti Aminah"

    def test_the_same_secret_gives_other_keys_for_other_purposes(self) -> None:
        sealed = Sealer([NEW], purpose=CONTACTS).seal_text("0812")
        with pytest.raises(SealError):
            Sealer([NEW], purpose=DEAD_LETTERS).open_text(sealed)

    def test_resealing_moves_a_value_to_the_first_key(self) -> None:
        before = Sealer([OLD], purpose=CONTACTS).seal_text("siti@example.org")
        resealed = Sealer([NEW, OLD], purpose=CONTACTS).reseal_text(before)
        assert Sealer([NEW], purpose=CONTACTS).open_text(resealed) == "siti@example.org"
        plain = Sealer([NEW], purpose=CONTACTS).reseal_text("0812")
        assert plain.startswith("sealed:v1:") and "0812" not in plain
