"""Masking of personal data in any text that travels on the event streams.

Phone numbers, e-mail addresses, 16-digit NIK (national identity numbers) and, where known, the
worker's own name are replaced by placeholders. Money amounts ("Rp 2.500.000", "3,1jt"), dates
and short numbers survive: triage reads them. The event models apply it to every free-text
field of an analyst stream (`Masked`), so no producer can forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Iterable

# name@domain.tld, also written "name (at) domain (dot) com" or with spaces around the signs.
# Every part is bounded (64 for the name, 63 a label, as mail itself allows): with `+` the
# search retried a long run of letters from each of its positions, quadratic in its length
# (16,000 letters took 2.6 s, 64,000 took 43 s).
_AT = r"\s{0,3}(?:@|\(at\)|\[at\])\s{0,3}"
_DOT = r"\s{0,3}(?:\.|\(dot\)|\[dot\])\s{0,3}"
EMAIL = re.compile(
    rf"[\w.+-]{{1,64}}{_AT}[\w-]{{1,63}}(?:{_DOT}[A-Za-z0-9-]{{1,63}}){{1,8}}", re.IGNORECASE
)
# Between the digits of a number people put spaces, dots, dashes, slashes and parentheses.
_SEP = r"[ .\-/()]{0,2}"
# A NIK is 16 digits, often written in groups; it is masked before phones so that its digits
# are not mistaken for a phone number.
NIK = re.compile(rf"(?<!\d)(?:\d{_SEP}){{15}}\d(?!\d)")
# Indonesian mobiles: +62 / 62 / 0 then 8, 8-12 more digits; "(0812) 3456-7890" included.
PHONE = re.compile(rf"(?<![\w])\(?(?:\+?62|0){_SEP}8(?:{_SEP}\d){{7,11}}(?!\d)")
# Parts of a name shorter than this ("Sri", "Ade" pass; "Ai" would hit ordinary words) are left.
MIN_NAME_PART = 3

EMAIL_MASK = "[email]"
NIK_MASK = "[NIK]"
PHONE_MASK = "[telepon]"
NAME_MASK = "[nama]"


def mask_personal_data(text: str, names: Iterable[str] = ()) -> str:
    text = EMAIL.sub(EMAIL_MASK, text)
    text = NIK.sub(NIK_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)
    for name in names:
        text = _mask_name(text, name)
    return text


def _mask_name(text: str, name: str) -> str:
    """The whole name, then each of its parts, as whole words in any case."""
    parts = _name_parts(name)
    for candidate in [" ".join(parts), *parts] if parts else []:
        text = re.sub(rf"(?<!\w){re.escape(candidate)}(?!\w)", NAME_MASK, text, flags=re.I)
    return text


def _name_parts(name: str) -> list[str]:
    """The parts of a name long enough to mask without hitting ordinary words."""
    return [p for p in re.split(r"\s+", name.strip()) if len(p) >= MIN_NAME_PART]


def mask_optional(text: str | None) -> str | None:
    return None if text is None else mask_personal_data(text)


# Services that never see the contact details (feedback) still mask the worker's name in what
# officers and the worker write later: intake publishes keyed hashes of the name's parts, never
# the name, and both services hold the key. Without the key a hash cannot be turned back into a
# name by trying the common ones.
_NAME_KEY_PURPOSE = b"aduan worker name parts v1"
_WORD = re.compile(r"\w+")


def name_keys(secret: str, names: Iterable[str]) -> list[str]:
    """Keyed hashes of each part of the names long enough to be masked."""
    parts = {part.casefold() for name in names for part in _name_parts(name)}
    return sorted(_name_key(secret, part) for part in parts)


def mask_named(text: str, keys: Collection[str], secret: str) -> str:
    """`text` with every word whose keyed hash is one of `keys` replaced by the name mask."""
    if not keys:
        return text

    def masked(word: re.Match[str]) -> str:
        found = word.group(0)
        if len(found) >= MIN_NAME_PART and _name_key(secret, found.casefold()) in keys:
            return NAME_MASK
        return found

    return _WORD.sub(masked, text)


def _name_key(secret: str, part: str) -> str:
    digest = hmac.new(secret.encode(), _NAME_KEY_PURPOSE + part.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]
