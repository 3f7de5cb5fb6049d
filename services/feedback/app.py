"""The feedback service: officers' responses and resolutions, workers' ratings, and metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.feedback import api, handlers, store
from services.feedback.settings import FeedbackSettings
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.metrics import UnionLabels

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime("feedback", settings or FeedbackSettings(), migrations=MIGRATIONS)
    unions = UnionLabels()

    async def load_unions(rt: ServiceRuntime) -> None:
        for union_id in await store.union_ids(rt.pool):
            unions.register(union_id)

    runtime.on_start(load_unions)
    handlers.register(runtime, unions)
    return create_service_app(
        runtime,
        [api.officers, api.workers, api.statistics],
        description="Officer responses and resolutions, worker ratings, response-time metrics.",
    )
