"""The web frontend on real intake and feedback services (real broker, real PostgreSQL).

The three apps run in this process; the frontend reaches intake and feedback over HTTP through
an ASGI transport per host, exactly the calls it makes in production.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.feedback.app import create_app as create_feedback
from services.feedback.settings import FeedbackSettings
from services.intake.app import IntakeSettings
from services.intake.app import create_app as create_intake
from services.intake.cli import register
from services.web.app import create_app as create_web
from services.web.backend import Backend
from services.web.cli import add_officer
from services.web.settings import WebSettings
from tests.support import Infra, eventually

PASSWORD = "kata-sandi-rahasia-1"
INTAKE, FEEDBACK = "http://intake.test", "http://feedback.test"


class HostRoutes(httpx.AsyncBaseTransport):
    """Sends each request to the ASGI app of its host."""

    def __init__(self, apps: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


@dataclass
class WebUnderTest:
    browser: httpx.AsyncClient
    intake: httpx.AsyncClient
    feedback: httpx.AsyncClient
    keys: dict[str, str]
    infra: Infra
    settings: WebSettings
    routes: HostRoutes

    async def infra_db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.infra.database_url)

    def union(self, union_id: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[union_id]}

    async def csrf(self, path: str) -> str:
        page = await self.browser.get(path)
        assert page.status_code == 200, page.text
        return csrf_of(page.text)

    async def report(
        self, evidence: tuple[str, bytes, str] | None = None, **fields: str
    ) -> httpx.Response:
        """Post the report form as a browser would, with one file (name, content, type)."""
        token = await self.csrf("/")
        form = {
            "csrf": token,
            "idempotency_key": fields.pop("idempotency_key", "web-1"),
            "union_id": "spn",
            "kind": "complaint",
            "text": "lembur tiap hari sampai jam 10 malam tapi tidak dibayar",
            "sector": "garment",
            **fields,
        }
        files = {"evidence": evidence} if evidence else None
        return await self.browser.post("/report", data=form, files=files)

    async def log_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = await self.csrf("/officer/login")
        return await self.browser.post(
            "/officer/login", data={"csrf": token, "username": username, "password": password}
        )


class Unreachable(httpx.AsyncBaseTransport):
    """A service that is down: every connection is refused."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def receipt_of(html: str) -> tuple[str, str]:
    code = re.search(r'<output id="code">([^<]+)</output>', html)
    secret = re.search(r'<output id="secret">([^<]+)</output>', html)
    assert code and secret, html
    return code.group(1), secret.group(1)


async def enter_together(stack: AsyncExitStack, apps: list[FastAPI]) -> None:
    """Run the apps' lifespans concurrently; `stack` ends them in reverse order."""
    contexts = [app.router.lifespan_context(app) for app in apps]
    await asyncio.gather(*(context.__aenter__() for context in contexts))
    for context in contexts:
        stack.push_async_exit(context)


@pytest.fixture()
async def web(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> AsyncIterator[WebUnderTest]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    keys = {
        union_id: (
            await register(database_url, union_id, union_id.upper(), federation="KSBSI")
        ).api_key
        for union_id in ("spn", "garteks")
    }
    for union_id, role, federation in (
        ("spn", "officer", None),
        ("garteks", "officer", None),
        ("spn", "admin", None),
        ("spn", "federation_viewer", "KSBSI"),
    ):
        await add_officer(
            database_url,
            union_id=union_id,
            username=f"{union_id}-{role}",
            password=PASSWORD,
            role=role,
            federation=federation,
        )
    intake_app = create_intake(
        IntakeSettings(**infra.settings(stuck_after_seconds=3600, stuck_check_seconds=3600))
    )
    feedback_app = create_feedback(FeedbackSettings(**infra.settings()))
    settings = WebSettings(
        **infra.settings(
            intake_url=INTAKE,
            feedback_url=FEEDBACK,
            web_union_keys=keys,
            web_union_names={"spn": "Serikat Pekerja Nasional", "garteks": "Garteks"},
            login_max_failures=3,
        )
    )
    routes = HostRoutes(
        {
            "intake.test": httpx.ASGITransport(app=intake_app),
            "feedback.test": httpx.ASGITransport(app=feedback_app),
        }
    )
    web_app = create_web(settings, Backend(settings, transport=routes))
    async with AsyncExitStack() as stack:
        # Intake and feedback start together (each waits on its consumer groups' joins).
        await enter_together(stack, [intake_app, feedback_app])
        await stack.enter_async_context(web_app.router.lifespan_context(web_app))
        browser = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=web_app),
                base_url="http://web.test",
                follow_redirects=False,
            )
        )
        intake = await stack.enter_async_context(
            httpx.AsyncClient(transport=routes, base_url=INTAKE)
        )
        feedback = await stack.enter_async_context(
            httpx.AsyncClient(transport=routes, base_url=FEEDBACK)
        )
        under_test = WebUnderTest(browser, intake, feedback, keys, infra, settings, routes)

        async def unions_known_to_feedback() -> bool:
            answer = await feedback.get(
                "/v1/unions/garteks/sla", headers=under_test.union("garteks")
            )
            return answer.status_code == 200

        await eventually(unions_known_to_feedback)
        yield under_test
