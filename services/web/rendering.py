"""Templates, the page's language, and the headers every page carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.web.texts import DEFAULT_LANGUAGE, LANGUAGES, TEXTS, text

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "aduan_lang"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# No script, style or frame from anywhere else; no page of ours inside another site's frame;
# no address of ours (a complaint id) sent to another site in a Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
        " form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def local_time(value: str | datetime | None, zone: str) -> str:
    """A moment as people at the union read it: in its time zone, minutes, the zone's name."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def language_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    private: bool = False,
    **context: Any,
) -> HTMLResponse:
    """The page in the visitor's language; `private` pages (a complaint, a session) are never
    kept by the browser's or a proxy's cache."""
    language = language_of(request)
    zone = request.app.state.web.settings.display_timezone
    html = environment.get_template(template).render(
        request=request,
        lang=language,
        when=lambda value: local_time(value, zone),
        t=lambda key: text(key, language),
        texts=TEXTS,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    if private:
        response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    return response
