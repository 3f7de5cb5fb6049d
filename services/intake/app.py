"""The intake service: system of record for complaints (HTTP and Kafka submissions)."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI

from schemas.topics import COMPLAINT_REJECTED, COMPLAINT_SUBMITTED, UNION_REGISTERED
from services.intake import api, handlers, store
from services.intake.settings import IntakeSettings
from services.intake.submission import submitted_from_row
from services.intake.unions import announce_all
from services.runtime.audit import audit_router
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.outbox import QUIET_OUTBOX

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


__all__ = ["MIGRATIONS", "IntakeSettings", "create_app"]


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    if settings.contacts.sealer is None:
        log.warning("contacts_not_sealed", reason="ADUAN_CONTACT_KEYS is not set")
    # Submissions wake the relay of the process that stored them (submission.accept): a
    # notifying commit queues behind every other one in the database (runtime migration 003).
    runtime = ServiceRuntime("intake", settings, migrations=MIGRATIONS, pool_settings=QUIET_OUTBOX)
    runtime.bus.publishes(COMPLAINT_SUBMITTED, COMPLAINT_REJECTED, UNION_REGISTERED)
    handlers.register(runtime)
    runtime.after_start(_announce_unions)
    runtime.every("republish_stuck", settings.stuck_check_seconds, republish_stuck)
    return create_service_app(
        runtime,
        [api.router, audit_router()],
        description="Accepts complaints from union frontends and keeps their record and timeline.",
    )


async def _announce_unions(runtime: ServiceRuntime) -> None:
    count = await announce_all(runtime.pool, runtime.bus)
    log.info("unions_announced", count=count)


async def republish_stuck(runtime: ServiceRuntime[IntakeSettings]) -> None:
    await republish_stuck_complaints(runtime)


async def republish_stuck_complaints(runtime: ServiceRuntime[IntakeSettings]) -> int:
    """Send again the `submitted` event of complaints that sat too long without a recommendation.

    The event keeps its id, so stages that already handled it drop the copy and re-send their
    own output; stages that never saw it (the broker lost it) handle it for the first time.
    """
    settings = runtime.settings
    rows = await store.claim_stuck(
        runtime.pool,
        older_than_seconds=settings.stuck_after_seconds,
        max_republish=settings.max_republish,
    )
    for row in rows:
        await runtime.bus.publish(submitted_from_row(row), event_id=row["submitted_event_id"])
    if rows:
        log.info("stuck_complaints_republished", count=len(rows))
    return len(rows)
