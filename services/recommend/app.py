"""The recommend service: the union's memory of resolved cases, and advice for new complaints."""

from __future__ import annotations

from fastapi import FastAPI

from services.recommend import handlers
from services.recommend.store import MIGRATIONS, init_connection
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.settings import ServiceSettings


class RecommendSettings(ServiceSettings):
    http_port: int = 8083


def create_app(settings: RecommendSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        "recommend",
        settings or RecommendSettings(),
        migrations=MIGRATIONS,
        pool_init=init_connection,
    )
    handlers.register(runtime)
    return create_service_app(
        runtime,
        [],
        description="Recommends follow-up actions from similar resolved cases (pgvector).",
    )
