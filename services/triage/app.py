"""The triage service: workers in one consumer group that categorise complaints.

Classifying is stateless; the database only keeps officers' corrections as training data.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from pydantic import AliasChoices, Field

from schemas.topics import COMPLAINT_TRIAGED
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.settings import ServiceSettings
from services.triage import handlers
from services.triage.labels import MIGRATIONS
from services.triage.worker import ModelHolder


class TriageSettings(ServiceSettings):
    http_port: int = 8082
    # How often a worker looks for a newly promoted model.
    model_refresh_seconds: float = 10.0
    # The encoder's threads; None is the library's default, one per core. Workers sharing a
    # machine should split its cores: on two cores, two workers of one thread each reached
    # 0.93-0.95 of the bare encode rate, one worker of two threads 0.81-0.83
    # (benchmarks/triage_throughput.py). ADUAN_TORCH_THREADS is its older name.
    encoder_threads: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("ADUAN_ENCODER_THREADS", "ADUAN_TORCH_THREADS"),
    )


def create_app(settings: TriageSettings | None = None) -> FastAPI:
    settings = settings or TriageSettings()
    runtime = ServiceRuntime("triage", settings, migrations=MIGRATIONS)
    runtime.bus.publishes(COMPLAINT_TRIAGED)
    holder = ModelHolder(settings.model_dir, settings.embedding_model, settings.encoder_threads)

    async def load_model(_: ServiceRuntime) -> None:
        await asyncio.get_running_loop().run_in_executor(holder.cpu, holder.load)

    async def refresh_model(_: ServiceRuntime) -> None:
        await asyncio.to_thread(holder.refresh)

    runtime.on_start(load_model)
    runtime.every("refresh_model", settings.model_refresh_seconds, refresh_model)
    handlers.register(runtime, holder)
    return create_service_app(
        runtime,
        [],
        description="Categorises, tags and prioritises complaints (stateless workers).",
    )
