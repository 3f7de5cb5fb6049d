"""Request limits every service applies before its routes read anything.

A complaint is at most 10,000 characters; no API body needs more than a megabyte, and no client
needs more than a few kilobytes of headers. Without limits one client could make a service read
20 MB into memory (and, before the 422 stopped echoing input, send it back).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Ten thousand characters of Indonesian in JSON, with every field around them, fit many times.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Browsers send 1-2 KB; 16 KB leaves room for long cookies and tracing headers.
MAX_HEADER_BYTES = 16 * 1024


class BodyTooLarge(Exception):
    """The body went past the limit while streaming in (no Content-Length was given)."""


class RequestLimits:
    """Refuses a body over `max_body_bytes` (413: by its Content-Length before reading, or as
    it streams in) and headers over `MAX_HEADER_BYTES` (431)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if sum(len(k) + len(v) for k, v in headers) > MAX_HEADER_BYTES:
            await _refuse(send, 431, "request headers too large")
            return
        declared = dict(headers).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _refuse(send, 413, f"request body over {self.max_body_bytes} bytes")
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, f"request body over {self.max_body_bytes} bytes")


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"error": reason, "reasons": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
