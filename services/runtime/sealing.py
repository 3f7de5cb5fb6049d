"""Sealed dead letters: a failed event's body, readable only with the operator's keys.

A dead-lettered event is kept so that it can be looked at and replayed once its cause is fixed,
but `<topic>.dlq` is a topic like any other: whoever may subscribe to it would read a worker's
contact details in a failed `complaint.received`. So the body is sealed (compressed, then
Fernet: AES with an HMAC) with keys from the environment, and only `aduan dlq` opens it.
Without keys the body is withheld: the reason, the size and a digest stay, the words do not.

Keys are any secrets of at least 32 characters (`openssl rand -base64 32`); a Fernet key is
derived from each. The first seals; every one opens, so a key is rotated by putting the new one
first and dropping the old one once the dead letters it sealed were replayed or expired.
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
# Binds a derived key to its use: the same operator secret used elsewhere gives another key.
_KEY_PURPOSE = b"aduan dead letters v1"

SEALED = "sealed"
WITHHELD = "withheld"


class SealError(ValueError):
    """A sealed body none of the keys opens (a key was dropped too early, or it was altered)."""


class Sealer:
    def __init__(self, keys: Sequence[SecretStr]) -> None:
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._fernet = MultiFernet([Fernet(_derive(key)) for key in keys])

    def seal(self, body: bytes) -> bytes:
        # Compressed first: JSON shrinks several times, so the sealed letter (base64, +33%) is
        # still smaller than the event that failed and fits wherever that event fitted.
        return self._fernet.encrypt(zlib.compress(body))

    def open(self, sealed: bytes) -> bytes:
        try:
            return zlib.decompress(self._fernet.decrypt(sealed))
        except InvalidToken as exc:
            raise SealError("no key opens this dead letter") from exc


def _derive(key: SecretStr) -> bytes:
    secret = key.get_secret_value().encode()
    if len(secret) < MIN_KEY_LENGTH:
        raise ValueError(f"a dead-letter key needs at least {MIN_KEY_LENGTH} characters")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE)
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
