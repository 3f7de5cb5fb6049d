"""The recommend service: the union's memory of resolved cases, and advice for new complaints."""

from __future__ import annotations

from fastapi import FastAPI

from services.recommend import handlers
from services.recommend.reembed import reembed_batch, stale_count
from services.recommend.store import MIGRATIONS, init_connection
from services.runtime.embedding import Embedder
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.settings import ServiceSettings


class RecommendSettings(ServiceSettings):
    http_port: int = 8083
    # How often to look for vectors made by another embedding model than the configured one.
    reembed_check_seconds: float = 30.0


def create_app(settings: RecommendSettings | None = None) -> FastAPI:
    settings = settings or RecommendSettings()
    runtime = ServiceRuntime(
        "recommend",
        settings,
        migrations=MIGRATIONS,
        pool_init=init_connection,
    )
    handlers.register(runtime)
    embedder = Embedder(runtime.settings.embedding_model)

    async def reembed(rt: ServiceRuntime) -> None:
        # The model is loaded only when stale vectors exist: most passes find none.
        if await stale_count(rt.pool, embedder.version):
            await reembed_batch(rt.pool, embedder)

    runtime.every("reembed_case_base", settings.reembed_check_seconds, reembed)
    return create_service_app(
        runtime,
        [],
        description="Recommends follow-up actions from similar resolved cases (pgvector).",
    )
