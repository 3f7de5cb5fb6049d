"""`aduan dlq`: a dead letter opens to the event that failed, with its original headers."""

from __future__ import annotations

import pytest
import typer
from pydantic import SecretStr

from services.runtime.sealing import Sealer, SealError, letter
from services.stack.dlq import DeadLetter
from services.stack.dlq_view import chosen

KEY = SecretStr("d" * 40)
BODY = b'{"union_id": "spn", "contact": {"phone": "081234567890"}}'


def dead_letter(body: bytes, about: dict[str, str], offset: int = 7) -> DeadLetter:
    headers = {
        "ce_id": "event-1",
        "content-type": "application/octet-stream",
        "x-dlq-original-content-type": "application/json",
        "x-dlq-error": "text: Field required",
        **about,
    }
    return DeadLetter("p.aduan.complaint.received.v1.dlq", 2, offset, b"k", headers, body)


class TestOpening:
    """Replay publishes exactly what failed, where it failed."""

    def test_a_sealed_letter_opens_to_its_body_and_original_headers(self) -> None:
        dead = dead_letter(*letter(BODY, Sealer([KEY])))
        body, headers = dead.original(Sealer([KEY]))
        assert body == BODY
        assert dict(headers) == {"ce_id": b"event-1", "content-type": b"application/json"}
        assert dead.original_topic == "p.aduan.complaint.received.v1"

    def test_a_withheld_letter_or_a_missing_key_is_refused_with_the_reason(self) -> None:
        with pytest.raises(SealError, match="withheld"):
            dead_letter(*letter(BODY, None)).original(Sealer([KEY]))
        with pytest.raises(SealError, match="no dead-letter keys"):
            dead_letter(*letter(BODY, Sealer([KEY]))).original(None)

    def test_a_letter_from_before_sealing_is_replayed_as_it_is(self) -> None:
        body, _ = dead_letter(BODY, {}).original(None)
        assert body == BODY


class TestChoosing:
    """`--at PARTITION:OFFSET` picks letters; a place with none is an error, not a no-op."""

    def test_places_pick_their_letters_in_the_order_given(self) -> None:
        letters = [dead_letter(b"", {}, offset) for offset in (3, 4, 5)]
        assert [d.offset for d in chosen(letters, ["2:5", "2:3"])] == [5, 3]
        assert chosen(letters, []) == letters

    def test_a_place_without_a_letter_is_refused(self) -> None:
        with pytest.raises(typer.BadParameter, match="2:9"):
            chosen([dead_letter(b"", {})], ["2:9"])
