"""Workers' contact details and own words, sealed at rest.

Intake is the only service that keeps a worker's name, phone, e-mail or WhatsApp number, and only
so that the union can call back; no event carries them. Nor does any event carry the complaint's
words as the worker wrote them (events carry the masked text), and those words often hold names,
phone numbers and a NIK. In the `contacts` table each contact field, and in `complaints` the
original text, is sealed (Fernet, under keys derived from `ADUAN_CONTACT_KEYS`), so a database
dump, a backup or a reporting replica shows tokens, not phone numbers. The owning union's API
opens them. The masked text stays readable: the queue shows its start.

Rotation: put the new key first in `ADUAN_CONTACT_KEYS` and restart intake (new contacts are
sealed with it, old ones still open), run `aduan intake reseal-contacts` (every stored contact
and complaint text sealed again under the first key; those stored before sealing was on are
sealed now), then drop the old key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from pydantic import SecretStr

from schemas.events import Contact
from services.runtime.sealing import CONTACTS, Sealer

FIELDS = ("name", "phone", "email", "whatsapp")
# Rows re-sealed per transaction by `reseal_all`: a short lock on a few rows at a time.
RESEAL_BATCH = 500


@dataclass(frozen=True)
class ContactVault:
    sealer: Sealer | None  # None: no keys configured, contacts are stored as given

    @classmethod
    def from_keys(cls, keys: Sequence[SecretStr]) -> ContactVault:
        return cls(Sealer(keys, purpose=CONTACTS) if keys else None)

    def seal(self, contact: Contact | None) -> list[str | None]:
        """The contact's fields in `FIELDS` order, as they are stored."""
        values = [getattr(contact, f) if contact else None for f in FIELDS]
        if self.sealer is None:
            return values
        return [None if v is None else self.sealer.seal_text(v) for v in values]

    def seal_words(self, text: str) -> str:
        """The worker's own words as they are stored."""
        return text if self.sealer is None else self.sealer.seal_text(text)

    def open_words(self, stored: str) -> str:
        return stored if self.sealer is None else self.sealer.open_text(stored)

    def open(self, stored: Sequence[str | None]) -> dict[str, str | None]:
        """Stored fields in `FIELDS` order, readable again."""
        if self.sealer is None:
            return dict(zip(FIELDS, stored, strict=True))
        opened = [None if v is None else self.sealer.open_text(v) for v in stored]
        return dict(zip(FIELDS, opened, strict=True))


async def reseal_all(conn: asyncpg.Connection, vault: ContactVault) -> dict[str, int]:
    """Seal every stored contact and complaint text again under the vault's first key; returns
    how many rows of each table."""
    sealer = vault.sealer
    if sealer is None:
        raise ValueError("no contact keys configured (ADUAN_CONTACT_KEYS)")
    return {
        "contacts": await _reseal_table(conn, sealer, "contacts", FIELDS),
        "complaints": await _reseal_table(conn, sealer, "complaints", ("original_text",)),
    }


async def _reseal_table(
    conn: asyncpg.Connection, sealer: Sealer, table: str, fields: Sequence[str]
) -> int:
    done = 0
    last = None
    columns = ", ".join(fields)
    assignments = ", ".join(f"{field} = ${n}" for n, field in enumerate(fields, start=2))
    while True:
        async with conn.transaction():
            rows = await conn.fetch(
                f"SELECT complaint_id, {columns} FROM {table}"
                " WHERE $1::uuid IS NULL OR complaint_id > $1 ORDER BY complaint_id LIMIT $2"
                " FOR UPDATE",
                last,
                RESEAL_BATCH,
            )
            if not rows:
                return done
            await conn.executemany(
                f"UPDATE {table} SET {assignments} WHERE complaint_id = $1",
                [(r["complaint_id"], *(_reseal(sealer, r[f]) for f in fields)) for r in rows],
            )
        done += len(rows)
        last = rows[-1]["complaint_id"]


def _reseal(sealer: Sealer, value: str | None) -> str | None:
    return None if value is None else sealer.reseal_text(value)
