"""The feedback service: officers' responses and resolutions, workers' ratings, and metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from schemas.topics import (
    COMPLAINT_RECATEGORIZED,
    COMPLAINT_REOPENED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_SLA_BREACHED,
    COMPLAINT_WORKER_REPLIED,
    FEEDBACK_RATED,
)
from services.feedback import api, clocks, handlers, metrics, store
from services.feedback.settings import FeedbackSettings
from services.runtime.audit import audit_router
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.metrics import UnionLabels

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()
    runtime = ServiceRuntime("feedback", settings, migrations=MIGRATIONS)
    runtime.bus.publishes(
        COMPLAINT_RESPONDED,
        COMPLAINT_RECATEGORIZED,
        COMPLAINT_RESOLVED,
        FEEDBACK_RATED,
        COMPLAINT_REOPENED,
        COMPLAINT_WORKER_REPLIED,
        COMPLAINT_SLA_BREACHED,
    )
    unions = UnionLabels()

    async def load_unions(rt: ServiceRuntime) -> None:
        for union_id in await store.union_ids(rt.pool):
            unions.register(union_id)
            metrics.precreate(union_id)

    async def find_breaches(rt: ServiceRuntime) -> None:
        await clocks.scan(rt.pool, datetime.now(UTC))

    runtime.on_start(load_unions)
    runtime.every("sla-breaches", settings.sla_scan_seconds, find_breaches)
    handlers.register(runtime, unions)
    return create_service_app(
        runtime,
        [api.officers, api.workers, api.statistics, api.federations, audit_router()],
        description="Officer responses and resolutions, worker ratings, response-time metrics.",
    )
