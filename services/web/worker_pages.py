"""The worker's pages: report, emergency report, receipt, tracking (reply, rate, reopen).

Every page works without JavaScript. The tracking code and secret are posted once and then kept
in a cookie that lives until the browser closes, never in an address (addresses end up in
histories and access logs).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from schemas.vocabulary import Sector
from services.runtime.throttle import client_address
from services.web import store
from services.web.auth import FORM_COOKIE, check_csrf, form_token, keep_form_token
from services.web.backend import BackendError
from services.web.evidence import CleanFile, EvidenceRefused, clean
from services.web.forms import Report, emergency_report, form_errors, report_from_form
from services.web.rendering import language_of, render
from services.web.runtime import WebRuntime, web_runtime
from services.web.texts import text

router = APIRouter(include_in_schema=False)
Runtime = Annotated[WebRuntime, Depends(web_runtime)]
TRACK_COOKIE = "aduan_track"
# Non-file fields of a form are short; only the complaint's text is long (10,000 characters).
MAX_FIELD_BYTES = 64 * 1024


async def _form(request: Request, max_files: int = 0) -> FormData:
    """The posted form, once its CSRF token matches this browser's (403 otherwise)."""
    form = await request.form(max_files=max_files, max_fields=40, max_part_size=MAX_FIELD_BYTES)
    check_csrf(request.cookies.get(FORM_COOKIE), form.get("csrf"))
    return form


def _form_page(
    request: Request,
    web: WebRuntime,
    template: str,
    *,
    values: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """The report or emergency form, blank or as the worker filled it with what went wrong; a
    form shown again keeps its idempotency key, so sending it twice files one complaint."""
    token = form_token(request)
    response = render(
        request,
        template,
        status_code=status_code,
        unions=web.settings.union_choices(),
        sectors=[s.value for s in Sector],
        values=values or {},
        errors=errors or [],
        idempotency_key=(values or {}).get("idempotency_key") or str(uuid.uuid4()),
        csrf=token,
        max_files=web.settings.evidence_max_files,
    )
    keep_form_token(response, token, web.settings)
    return response


@router.get("/")
async def report_form(request: Request, web: Runtime) -> Response:
    return _form_page(request, web, "report.html")


@router.post("/report")
async def send_report(request: Request, web: Runtime) -> Response:
    form = await _form(request, max_files=web.settings.evidence_max_files)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    language = language_of(request)
    try:
        report = report_from_form(values, web.settings)
        files = await _evidence(form, web)
    except (ValueError, EvidenceRefused) as exc:
        errors = form_errors(exc, language)
        return _form_page(
            request, web, "report.html", values=values, errors=errors, status_code=422
        )
    return await _submit(request, web, report, files, values, language)


@router.get("/emergency")
async def emergency_form(request: Request, web: Runtime) -> Response:
    return _form_page(request, web, "emergency.html")


@router.post("/emergency")
async def send_emergency(request: Request, web: Runtime) -> Response:
    form = await _form(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    language = language_of(request)
    try:
        report = emergency_report(
            values,
            web.settings,
            prefix=text("emergency_prefix", language),
            place_label=text("emergency_place_label", language),
        )
    except ValueError as exc:
        errors = form_errors(exc, language)
        return _form_page(
            request, web, "emergency.html", values=values, errors=errors, status_code=422
        )
    return await _submit(request, web, report, [], values, language)


async def _evidence(form: FormData, web: WebRuntime) -> list[CleanFile]:
    uploads = [f for f in form.getlist("evidence") if isinstance(f, UploadFile) and f.filename]
    if len(uploads) > web.settings.evidence_max_files:
        raise EvidenceRefused(f"at most {web.settings.evidence_max_files} files")
    files = []
    for upload in uploads:
        content = await upload.read(web.settings.evidence_max_bytes + 1)
        files.append(clean(upload.filename or "", content, web.settings.evidence_max_bytes))
    return files


async def _submit(
    request: Request,
    web: WebRuntime,
    report: Report,
    files: list[CleanFile],
    values: dict[str, Any],
    language: str,
) -> Response:
    try:
        accepted = await web.backend.submit(report.union_id, report.submission())
    except BackendError as exc:
        return _form_page(
            request,
            web,
            "emergency.html" if report.emergency else "report.html",
            values=values,
            errors=[_worker_error(exc, language, exc.reason)],
            status_code=_status_for(exc),
        )
    if files:
        await store.save_evidence(
            web.pool,
            report.union_id,
            uuid.UUID(accepted["complaint_id"]),
            [(f.filename, f.media_type, f.content, f.sha256) for f in files],
        )
    return render(
        request,
        "received.html",
        status_code=status.HTTP_201_CREATED,
        private=True,
        code=accepted["tracking_code"],
        secret=accepted["tracking_secret"],
        emergency=report.emergency,
        evidence_count=len(files),
        csrf=form_token(request),
    )


# -- tracking ----------------------------------------------------------------------------------


def _credentials(request: Request) -> tuple[str, str] | None:
    held = request.cookies.get(TRACK_COOKIE, "")
    code, _, secret = held.partition(" ")
    return (code, secret) if code and secret else None


def _status_for(exc: BackendError) -> int:
    """The page's status for a refused form: 429 and 503 pass through, the rest is invalid."""
    return 429 if exc.status_code == 429 else 503 if exc.unavailable else 422


def _worker_error(exc: BackendError, language: str, refused: str) -> str:
    """What a worker reads when the services said no: `refused` for an ordinary refusal."""
    if exc.status_code == 429:
        minutes = max(1, -(-(exc.retry_after or 60) // 60))
        return text("too_many_attempts", language).format(minutes=minutes)
    return text("try_later", language) if exc.unavailable else refused


@router.get("/track")
async def tracking_page(request: Request, web: Runtime) -> Response:
    credentials = _credentials(request)
    token = form_token(request)
    if credentials is None:
        response = render(request, "track.html", csrf=token, errors=[], private=True)
        keep_form_token(response, token, web.settings)
        return response
    language = language_of(request)
    try:
        view = await web.backend.track(*credentials, client_address(request))
    except BackendError as exc:
        response = render(
            request,
            "track.html",
            csrf=token,
            errors=[_worker_error(exc, language, text("wrong_code", language))],
            private=True,
            status_code=exc.status_code if exc.status_code in (404, 429) else 503,
        )
        if exc.status_code == 404:
            response.delete_cookie(TRACK_COOKIE)
        keep_form_token(response, token, web.settings)
        return response
    response = render(
        request,
        "tracking.html",
        private=True,
        view=view,
        csrf=token,
        done=request.query_params.get("done") == "1",
        errors=[],
    )
    keep_form_token(response, token, web.settings)
    return response


@router.post("/track")
async def open_tracking(request: Request, web: Runtime) -> Response:
    form = await _form(request)
    code = str(form.get("code") or "").strip().upper()
    secret = str(form.get("secret") or "").strip()
    response = RedirectResponse("/track", status_code=status.HTTP_303_SEE_OTHER)
    # A cookie for this browser session only: closing the browser forgets the secret.
    response.set_cookie(
        TRACK_COOKIE,
        f"{code} {secret}",
        httponly=True,
        secure=web.settings.secure_cookies,
        samesite="strict",
    )
    return response


@router.post("/track/forget")
async def forget_tracking(request: Request, web: Runtime) -> Response:
    await _form(request)
    response = RedirectResponse("/track", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(TRACK_COOKIE)
    return response


@router.post("/track/{action}")
async def worker_action(action: str, request: Request, web: Runtime) -> Response:
    form = await _form(request)
    credentials = _credentials(request)
    if credentials is None or action not in WORKER_ACTIONS:
        return RedirectResponse("/track", status_code=status.HTTP_303_SEE_OTHER)
    code, secret = credentials
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        await web.backend.worker_action(
            code, action, WORKER_ACTIONS[action](values, secret), client_address(request)
        )
    except BackendError as exc:
        language = language_of(request)
        view = await web.backend.track(code, secret, client_address(request))
        return render(
            request,
            "tracking.html",
            status_code=_status_for(exc),
            private=True,
            view=view,
            csrf=form_token(request),
            done=False,
            errors=[_worker_error(exc, language, exc.reason)],
        )
    return RedirectResponse("/track?done=1", status_code=status.HTTP_303_SEE_OTHER)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _rating(values: dict[str, str], secret: str) -> dict[str, Any]:
    return {
        "secret": secret,
        "score": int(score) if (score := values.get("score", "")).isdigit() else 0,
        "fixed": values.get("fixed") or "",
        "reasons": _lines(values.get("reasons", "")),
        "comment": values.get("comment") or None,
    }


def _reply(values: dict[str, str], secret: str) -> dict[str, Any]:
    return {"secret": secret, "message": values.get("message", "")}


def _reopen(values: dict[str, str], secret: str) -> dict[str, Any]:
    return {
        "secret": secret,
        "reasons": _lines(values.get("reasons", "")),
        "comment": values.get("comment") or None,
    }


# Each worker action's request body to feedback, from the form's fields and the secret.
WORKER_ACTIONS: dict[str, Callable[[dict[str, str], str], dict[str, Any]]] = {
    "reply": _reply,
    "rating": _rating,
    "reopen": _reopen,
}
