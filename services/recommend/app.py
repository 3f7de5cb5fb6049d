"""The recommend service: the union's memory of resolved cases, and advice for new complaints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from schemas.topics import COMPLAINT_RECOMMENDED
from services.recommend import handlers
from services.recommend.playbook import DEFAULT_PLAYBOOK, load_playbook
from services.recommend.reembed import (
    ensure_case_index,
    reembed_for,
    staged_count,
    stale_count,
)
from services.recommend.store import CONNECTION_SETTINGS, MIGRATIONS, init_connection
from services.runtime.embedding import shared_embedder
from services.runtime.http import ServiceRuntime, create_service_app
from services.runtime.settings import ServiceSettings


class RecommendSettings(ServiceSettings):
    http_port: int = 8083
    # How often to look for vectors made by another embedding model than the configured one,
    # and for how long each check may re-embed (a third of the time: triage shares the cores).
    reembed_check_seconds: float = 30.0
    reembed_seconds_per_check: float = 10.0
    # The union's own playbook (a copy of services/recommend/data/playbook.yaml, edited):
    # ADUAN_PLAYBOOK_FILE. Validated when the app is created; a mistake stops the start with the
    # file name and line. None: the shipped playbook.
    playbook_file: Path | None = None


def create_app(settings: RecommendSettings | None = None) -> FastAPI:
    settings = settings or RecommendSettings()
    # Before anything starts: a broken playbook fails here, naming its file and line.
    playbook = load_playbook(settings.playbook_file) if settings.playbook_file else DEFAULT_PLAYBOOK
    runtime = ServiceRuntime(
        "recommend",
        settings,
        migrations=MIGRATIONS,
        pool_init=init_connection,
        pool_settings=CONNECTION_SETTINGS,
    )
    runtime.bus.publishes(COMPLAINT_RECOMMENDED)
    handlers.register(runtime, playbook)
    # Shared: services (and tests) running in one process load the model once.
    embedder = shared_embedder(runtime.settings.embedding_model)

    async def case_index(rt: ServiceRuntime) -> None:
        # The HNSW index of the encoder's dimension, before the first complaint is consumed.
        # Quick for a new dimension (no rows yet); a large case base of the same dimension whose
        # index migration 006 dropped makes the first start wait for the build. Later checks
        # rebuild an index that a switch interrupted between drop and build.
        async with rt.pool.acquire() as conn:
            await ensure_case_index(conn, embedder.dimension)

    async def reembed(rt: ServiceRuntime) -> None:
        await case_index(rt)
        # Re-embedding runs only when stale vectors exist: most passes find none.
        if await stale_count(rt.pool, embedder.version) or await staged_count(rt.pool):
            await reembed_for(rt.pool, embedder, settings.reembed_seconds_per_check)

    runtime.on_start(case_index)
    runtime.every("reembed_case_base", settings.reembed_check_seconds, reembed)
    return create_service_app(
        runtime,
        [],
        description="Recommends follow-up actions from similar resolved cases (pgvector).",
    )
