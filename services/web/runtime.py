"""What the web frontend's pages need at hand: settings, its own database, the backend client."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import Request

from services.runtime.http import ServiceRuntime
from services.web.backend import Backend
from services.web.settings import WebSettings


@dataclass
class WebRuntime:
    service: ServiceRuntime
    settings: WebSettings
    backend: Backend

    @property
    def pool(self) -> asyncpg.Pool:
        return self.service.pool


async def web_runtime(request: Request) -> WebRuntime:
    web: WebRuntime = request.app.state.web
    return web
