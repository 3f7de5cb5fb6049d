"""Intake's and feedback's HTTP APIs, as this frontend calls them.

Officers' calls carry their union's API key, which never leaves this process; workers' calls
carry only their tracking code and secret, like any worker's app (those routes refuse a key).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx

from services.web.settings import WebSettings

# Intake and feedback answer in milliseconds; a call that takes longer than this is failing.
TIMEOUT = httpx.Timeout(15.0, connect=3.0)


class BackendError(Exception):
    """A call the services refused (4xx, with their reason) or could not answer (5xx, down)."""

    def __init__(self, status_code: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason
        self.retry_after = retry_after  # seconds, when the services said too many (429)

    @property
    def unavailable(self) -> bool:
        return self.status_code >= 500


class NoKey(Exception):
    """This frontend holds no API key for the officer's union."""


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    reasons = body.get("reasons") if isinstance(body, dict) else None
    if isinstance(reasons, list) and reasons:
        return "; ".join(
            f"{r.get('field')}: {r.get('message')}" if r.get("field") else str(r.get("message"))
            for r in reasons
        )
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail
        )
    return str(detail or body.get("error") or response.reason_phrase)


class Backend:
    def __init__(self, settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=TIMEOUT, transport=transport)

    async def close(self) -> None:
        await self.http.aclose()

    def key_of(self, union_id: str) -> dict[str, str]:
        key = self.settings.web_union_keys.get(union_id)
        if not key:
            raise NoKey(union_id)
        return {"X-API-Key": key}

    def serves(self, union_id: str) -> bool:
        return union_id in self.settings.web_union_keys

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise BackendError(503, f"service unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            wait = response.headers.get("retry-after", "")
            retry_after = int(wait) if wait.isdigit() else None
            raise BackendError(response.status_code, _reason(response), retry_after)
        answer: dict[str, Any] = response.json()
        return answer

    # -- workers ---------------------------------------------------------------------------

    async def submit(self, union_id: str, submission: dict[str, Any]) -> dict[str, Any]:
        return await self._call(
            "POST",
            f"{self.settings.intake_url}/v1/complaints",
            json=submission,
            headers=self.key_of(union_id),
        )

    async def track(self, code: str, secret: str, worker: str) -> dict[str, Any]:
        """`worker`: the visitor's address, which intake's limits count (not this server's)."""
        return await self._call(
            "GET",
            f"{self.settings.intake_url}/v1/track/{code}",
            headers={"X-Tracking-Secret": secret, "X-Forwarded-For": worker},
        )

    async def worker_action(
        self, code: str, action: str, body: dict[str, Any], worker: str
    ) -> None:
        """`reply`, `rating` or `reopen` on feedback's worker routes."""
        await self._call(
            "POST",
            f"{self.settings.feedback_url}/v1/track/{code}/{action}",
            json=body,
            headers={"X-Forwarded-For": worker},
        )

    # -- officers --------------------------------------------------------------------------

    async def queue(self, union_id: str, filters: dict[str, Any], officer: str) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        return await self._call(
            "GET",
            f"{self.settings.intake_url}/v1/complaints",
            params=params,
            headers=self.key_of(union_id) | {"X-Aduan-Officer": officer},
        )

    async def clocks(self, union_id: str) -> dict[str, Any]:
        return await self._call(
            "GET",
            f"{self.settings.feedback_url}/v1/unions/{union_id}/clocks",
            headers=self.key_of(union_id),
        )

    async def complaint(self, union_id: str, complaint_id: UUID, officer: str) -> dict[str, Any]:
        """The complaint as intake shows it; intake's audit log records `officer` read it."""
        return await self._call(
            "GET",
            f"{self.settings.intake_url}/v1/complaints/{complaint_id}",
            headers=self.key_of(union_id) | {"X-Aduan-Officer": officer},
        )

    async def sla(self, union_id: str, complaint_id: UUID) -> dict[str, Any] | None:
        """The complaint's SLA clocks; None while feedback has not heard of it yet."""
        try:
            return await self._call(
                "GET",
                f"{self.settings.feedback_url}/v1/complaints/{complaint_id}/sla",
                headers=self.key_of(union_id),
            )
        except BackendError as exc:
            if exc.status_code == 404:
                return None
            raise

    async def officer_action(
        self, union_id: str, complaint_id: UUID, action: str, body: dict[str, Any]
    ) -> None:
        """`responses`, `resolution` or `category` on feedback's officer routes."""
        await self._call(
            "POST",
            f"{self.settings.feedback_url}/v1/complaints/{complaint_id}/{action}",
            json=body,
            headers=self.key_of(union_id),
        )

    async def federation_stats(
        self, union_id: str, federation: str, start: date | None, end: date | None
    ) -> dict[str, Any]:
        params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
        return await self._call(
            "GET",
            f"{self.settings.feedback_url}/v1/federations/{federation}/stats",
            params=params,
            headers=self.key_of(union_id),
        )
