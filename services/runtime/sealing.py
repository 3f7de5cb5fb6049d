"""Sealed dead letters: a failed event's body, readable only with the operator's keys.

A dead-lettered event is kept so that it can be looked at and replayed once its cause is fixed,
but `<topic>.dlq` is a topic like any other: whoever may subscribe to it would read a worker's
contact details in a failed `complaint.received`. So the body is sealed (compressed, then
Fernet: AES with an HMAC) with keys from the environment, and only `aduan dlq` opens it.
Without keys the body is withheld: the reason, the size and a digest stay, the words do not.

Keys are any secrets of at least 32 characters (`openssl rand -base64 32`); a Fernet key is
derived from each. The first seals; every one opens, so a key is rotated by putting the new one
first and dropping the old one once the dead letters it sealed were replayed or expired.

Intake seals workers' contact details at rest the same way (`seal_text`), under keys derived for
that purpose, so one operator secret never gives the same key to both.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

MIN_KEY_LENGTH = 32
# Bind a derived key to its use: the same operator secret used elsewhere gives another key.
DEAD_LETTERS = b"aduan dead letters v1"
CONTACTS = b"aduan contacts v1"
# Marks a sealed text column value; a value without it was stored before sealing (or without
# keys) and reads as it is.
TEXT_PREFIX = "sealed:v1:"

SEALED = "sealed"
WITHHELD = "withheld"


class SealError(ValueError):
    """A sealed body none of the keys opens (a key was dropped too early, or it was altered)."""


class Sealer:
    def __init__(self, keys: Sequence[SecretStr], purpose: bytes = DEAD_LETTERS) -> None:
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._fernet = MultiFernet([Fernet(_derive(key, purpose)) for key in keys])

    def seal(self, body: bytes) -> bytes:
        # Compressed first: JSON shrinks several times, so the sealed letter (base64, +33%) is
        # still smaller than the event that failed and fits wherever that event fitted.
        return self._fernet.encrypt(zlib.compress(body))

    def open(self, sealed: bytes) -> bytes:
        try:
            return zlib.decompress(self._fernet.decrypt(sealed))
        except InvalidToken as exc:
            raise SealError("no key opens this dead letter") from exc

    def seal_text(self, value: str) -> str:
        return TEXT_PREFIX + self._fernet.encrypt(value.encode()).decode("ascii")

    def open_text(self, value: str) -> str:
        """A value `seal_text` made, opened; any other value is returned as it is."""
        if not value.startswith(TEXT_PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(TEXT_PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise SealError("no key opens this value") from exc

    def reseal_text(self, value: str) -> str:
        """Sealed again under the first key (a plain value sealed for the first time)."""
        if not value.startswith(TEXT_PREFIX):
            return self.seal_text(value)
        token = self._fernet.rotate(value[len(TEXT_PREFIX) :].encode())
        return TEXT_PREFIX + token.decode("ascii")


def _derive(key: SecretStr, purpose: bytes) -> bytes:
    secret = key.get_secret_value().encode()
    if len(secret) < MIN_KEY_LENGTH:
        raise ValueError(f"a sealing key needs at least {MIN_KEY_LENGTH} characters")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return base64.urlsafe_b64encode(hkdf.derive(secret))


def letter(body: bytes, sealer: Sealer | None) -> tuple[bytes, dict[str, str]]:
    """The body to dead-letter and the headers that say what it is."""
    about = {
        "x-dlq-body-bytes": str(len(body)),
        "x-dlq-body-sha256": hashlib.sha256(body).hexdigest(),
    }
    if sealer is None:
        return b"", {**about, "x-dlq-body": WITHHELD}
    return sealer.seal(body), {**about, "x-dlq-body": SEALED}
