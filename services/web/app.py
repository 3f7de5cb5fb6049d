"""The web frontend service: worker pages, officer console, static files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import structlog
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.runtime.http import ServiceRuntime, create_service_app
from services.web import officer_pages, store, worker_pages
from services.web.backend import Backend, BackendError
from services.web.officer_pages import LoginRequired
from services.web.rendering import render
from services.web.runtime import WebRuntime
from services.web.settings import WebSettings

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
STATIC = Path(__file__).parent / "static"
# Three 5 MB files and the form around them; anything bigger is refused before it is read.
MAX_BODY_BYTES = 16 * 1024 * 1024


def create_app(settings: WebSettings | None = None, backend: Backend | None = None) -> FastAPI:
    settings = settings or WebSettings()
    runtime = ServiceRuntime("web", settings, migrations=MIGRATIONS, messaging=False)
    web = WebRuntime(runtime, settings, backend or Backend(settings))

    async def close_backend(_: ServiceRuntime) -> None:
        await web.backend.close()

    async def forget_sessions(_: ServiceRuntime) -> None:
        await store.forget_expired_sessions(web.pool, datetime.now(UTC))

    runtime.on_stop(close_backend)
    runtime.every("forget_expired_sessions", 3600, forget_sessions)
    app = create_service_app(
        runtime,
        [worker_pages.router, officer_pages.router],
        description="The union's web pages for workers and officers.",
        max_body_bytes=MAX_BODY_BYTES,
    )
    app.state.web = web
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(HTTPException, _error_page)
    app.add_exception_handler(BackendError, _backend_down)
    return app


async def _to_login(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/officer/login", status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(
        request, "error.html", status_code=exc.status_code, message=str(exc.detail), private=True
    )


async def _backend_down(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BackendError)
    log.warning("backend_call_failed", status=exc.status_code, reason=exc.reason[:200])
    if exc.unavailable:
        message = "Aduan's services did not answer; nothing was lost. Try again in a moment."
    else:
        message = f"Aduan's services refused this request: {exc.reason}"
    return render(
        request,
        "error.html",
        status_code=503 if exc.unavailable else 502,
        message=message,
        private=True,
    )
