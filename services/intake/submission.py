"""Accepting a submission: the one path shared by the HTTP API and the Kafka consumer.

A complaint is accepted only once it is committed: the complaint, its contact data, its first
timeline entry and its `submitted` event (outbox) are written in one transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from schemas.envelope import derived_event_id
from schemas.events import (
    ComplaintReceived,
    ComplaintSubmitted,
    RejectionCode,
    RejectionReason,
)
from schemas.masking import mask_personal_data, name_keys
from services.intake import store
from services.intake.settings import IntakeSettings
from services.runtime.http import ServiceRuntime
from services.runtime.outbox import outbox_row
from services.runtime.tokens import new_tracking_code

SOURCE = "intake"


@dataclass(frozen=True)
class Accepted:
    complaint_id: uuid.UUID
    tracking_code: str
    created: bool


class Rejected(Exception):
    """A submission refused for a reason the sender can act on."""

    def __init__(self, code: RejectionCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = [RejectionReason(field=field, message=message)]


def request_hash(received: ComplaintReceived) -> str:
    # Without the emergency flag when it is off: a retry of a submission stored before the flag
    # existed hashes as it did then, instead of conflicting with itself.
    exclude = None if received.emergency else {"emergency"}
    return hashlib.sha256(received.model_dump_json(exclude=exclude).encode()).hexdigest()


def submitted_event_id(complaint_id: uuid.UUID) -> str:
    return derived_event_id(complaint_id, "submitted")


def submitted_from_row(row: asyncpg.Record) -> ComplaintSubmitted:
    """Rebuild the `submitted` event of a stored complaint (for re-publishing it)."""
    return ComplaintSubmitted(
        complaint_id=row["complaint_id"],
        union_id=row["union_id"],
        tracking_code=row["tracking_code"],
        channel=row["channel"],
        sector=row["sector"],
        kind=row["kind"],
        text=row["masked_text"],
        language=row["language"],
        member=row["member"],
        anonymous=row["anonymous"],
        workplace=row["workplace"],
        occurred_on=row["occurred_on"],
        submitted_at=row["submitted_at"],
        emergency=row["emergency"],
        name_keys=row["name_keys"],
    )


async def accept(
    runtime: ServiceRuntime[IntakeSettings],
    received: ComplaintReceived,
    *,
    correlation_id: str | None = None,
) -> Accepted:
    """Store `received` once; a retry with the same idempotency key returns the same complaint.

    The settings' tracking key keys the hashes of the worker's name parts the `submitted` event
    carries; their contact keys seal the contact details. Intake's connections add outbox rows
    without notifying (app.py), so a stored complaint wakes this process's relay itself.
    """
    pool, settings = runtime.pool, runtime.settings
    try:
        accepted = await _accept_once(pool, received, settings, correlation_id)
    except asyncpg.UniqueViolationError:
        # A concurrent retry of the same submission won the race (or, once in a blue moon, the
        # tracking code collided): the second pass finds the stored complaint or draws anew.
        accepted = await _accept_once(pool, received, settings, correlation_id)
    if accepted.created:
        runtime.outbox_written()
    return accepted


async def _accept_once(
    pool: asyncpg.Pool,
    received: ComplaintReceived,
    settings: IntakeSettings,
    correlation_id: str | None,
) -> Accepted:
    fingerprint = request_hash(received)
    submitted = _submitted(received, settings.tracking_key)
    event_id = submitted_event_id(submitted.complaint_id)
    event = outbox_row(
        submitted, source=SOURCE, event_id=event_id, correlation_id=correlation_id or event_id
    )
    vault = settings.contacts
    async with pool.acquire() as conn:
        try:
            stored = await store.insert_submission(
                conn,
                received,
                submitted,
                vault.seal(received.contact),
                vault.seal_words(received.text),
                request_hash=fingerprint,
                event=event,
            )
        except asyncpg.ForeignKeyViolationError:
            raise Rejected(
                "unknown_union", f"union {received.union_id!r} is not registered", "union_id"
            ) from None
        if not stored:
            return _replayed(
                await store.by_idempotency_key(conn, received.union_id, received.idempotency_key),
                fingerprint,
            )
    return Accepted(submitted.complaint_id, submitted.tracking_code, created=True)


def _replayed(existing: asyncpg.Record | None, fingerprint: str) -> Accepted:
    if existing is None:
        # The key was taken when we inserted but its complaint is gone: nothing deletes
        # complaints, so this is a bug worth a 500 rather than a guess.
        raise RuntimeError("idempotency key conflict without a stored complaint")
    if existing["request_hash"] != fingerprint:
        raise Rejected(
            "duplicate_conflict",
            "this idempotency key was already used for a different complaint",
            "idempotency_key",
        )
    return Accepted(existing["complaint_id"], existing["tracking_code"], created=False)


def _submitted(received: ComplaintReceived, name_secret: str) -> ComplaintSubmitted:
    return ComplaintSubmitted(
        complaint_id=uuid.uuid4(),
        union_id=received.union_id,
        tracking_code=new_tracking_code(),
        channel=received.channel,
        sector=received.sector,
        kind=received.kind,
        text=mask_personal_data(received.text, _names(received)),
        language=received.language,
        member=received.member,
        anonymous=received.anonymous,
        workplace=received.workplace,
        occurred_on=received.occurred_on,
        submitted_at=datetime.now(UTC),
        emergency=received.emergency,
        name_keys=name_keys(name_secret, _names(received)),
    )


def _names(received: ComplaintReceived) -> list[str]:
    """The worker's own name, from the contact details, to mask where the text repeats it."""
    contact = received.contact
    return [contact.name] if contact is not None and contact.name else []
