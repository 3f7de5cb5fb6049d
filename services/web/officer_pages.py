"""The officer's console: login, the union's queue, a complaint, the federation's figures.

Every page needs a session; every change carries the session's CSRF token and is written to the
audit log with who did it. An officer only ever sees their own union's complaints: each call to
intake and feedback carries that union's key, and those services answer 404 for any other.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

import asyncpg
import structlog
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from schemas.vocabulary import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    Outcome,
    Priority,
    Tag,
)
from services.runtime.audit import suggestions_shown
from services.web import auth, store
from services.web.backend import BackendError
from services.web.highlight import highlight
from services.web.queue import QueueFilters, merge_clocks
from services.web.rendering import render
from services.web.runtime import WebRuntime, web_runtime
from services.web.store import Session

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/officer", include_in_schema=False)
Runtime = Annotated[WebRuntime, Depends(web_runtime)]
MAX_FIELD_BYTES = 64 * 1024
T = TypeVar("T")


class LoginRequired(Exception):
    """No valid session: the officer is sent to the login page."""


async def current_session(request: Request, web: Runtime) -> Session:
    session = await auth.session_of(web.pool, web.settings, request)
    if session is None:
        raise LoginRequired
    return session


Officer = Annotated[Session, Depends(current_session)]


def _require(session: Session, *roles: str) -> None:
    if session.officer.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "your account cannot do this")


async def _checked_form(request: Request, session: Session) -> FormData:
    form = await request.form(max_files=0, max_fields=60, max_part_size=MAX_FIELD_BYTES)
    auth.check_csrf(session.csrf_token, form.get("csrf"))
    return form


def _back_to(complaint_id: UUID, note: str) -> RedirectResponse:
    return RedirectResponse(
        f"/officer/complaints/{complaint_id}?note={note}", status_code=status.HTTP_303_SEE_OTHER
    )


# -- login -------------------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, web: Runtime) -> Response:
    token = auth.form_token(request)
    response = render(request, "login.html", csrf=token, error=None, private=True)
    auth.keep_form_token(response, token, web.settings)
    return response


@router.post("/login")
async def login(request: Request, web: Runtime) -> Response:
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    auth.check_csrf(request.cookies.get(auth.FORM_COOKIE), form.get("csrf"))
    username = str(form.get("username") or "").strip()
    try:
        _, token = await auth.log_in(
            web.pool,
            web.settings,
            username,
            str(form.get("password") or ""),
            auth.client_address(request),
        )
    except auth.LoginRefused as refused:
        return render(
            request,
            "login.html",
            status_code=status.HTTP_401_UNAUTHORIZED,
            csrf=auth.form_token(request),
            error=str(refused),
            private=True,
        )
    response = RedirectResponse("/officer", status_code=status.HTTP_303_SEE_OTHER)
    auth.set_session_cookie(response, token, web.settings)
    return response


@router.post("/logout")
async def logout(request: Request, web: Runtime, session: Officer) -> Response:
    await _checked_form(request, session)
    await auth.log_out(web.pool, request)
    await store.audit(web.pool, "logout", officer=session.officer)
    response = RedirectResponse("/officer/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


# -- queue -------------------------------------------------------------------------------------


@router.get("")
async def queue(
    request: Request, web: Runtime, session: Officer, filters: Annotated[QueueFilters, Depends()]
) -> Response:
    if session.officer.role == "federation_viewer":
        return RedirectResponse("/officer/federation", status_code=status.HTTP_303_SEE_OTHER)
    _require(session, "admin", "officer")
    union_id = session.officer.union_id
    listing = await web.backend.queue(union_id, filters.as_query(), session.officer.username)
    clocks, clocks_missing = await _clocks_or_why(web.backend.clocks(union_id))
    return render(
        request,
        "queue.html",
        private=True,
        session=session,
        items=merge_clocks(listing["items"], clocks or {}),
        clocks_missing=clocks_missing,
        total=listing["total"],
        counts=listing["counts"],
        filters=filters,
        categories=CATEGORY_LABELS,
        categories_by_value={c.value: label for c, label in CATEGORY_LABELS.items()},
        tags=[t.value for t in Tag],
    )


# -- one complaint -----------------------------------------------------------------------------


@router.get("/complaints/{complaint_id}")
async def complaint_page(
    complaint_id: UUID, request: Request, web: Runtime, session: Officer
) -> Response:
    _require(session, "admin", "officer")
    union_id = session.officer.union_id
    try:
        view = await web.backend.complaint(union_id, complaint_id, session.officer.username)
    except BackendError as exc:
        if exc.status_code == 404:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "no such complaint for your union"
            ) from exc
        raise
    sla, clocks_missing = await _clocks_or_why(web.backend.sla(union_id, complaint_id))
    evidence = await store.evidence_list(web.pool, union_id, complaint_id)
    await store.audit(
        web.pool,
        "complaint_viewed",
        officer=session.officer,
        complaint_id=complaint_id,
        details=suggestions_shown(view.get("triage"), view.get("recommendation")),
    )
    triage = view.get("triage") or {}
    return render(
        request,
        "complaint.html",
        private=True,
        session=session,
        view=view,
        sla=sla,
        clocks_missing=clocks_missing,
        evidence=evidence,
        segments=highlight(view["text"], triage.get("evidence", [])),
        rating=_latest(view, "rated"),
        note=request.query_params.get("note"),
        categories={c.value: label for c, label in CATEGORY_LABELS.items()},
        priorities=[p.value for p in Priority],
        outcomes=[o.value for o in Outcome],
        actions={a.value: label for a, label in ACTION_LABELS.items()},
        tags=[t.value for t in Tag],
    )


async def _clocks_or_why(clocks: Awaitable[T]) -> tuple[T | None, str | None]:
    """Feedback's SLA clocks, or why they cannot be shown.

    The complaints are intake's: an officer must still read them, emergencies first, while
    feedback is down or has not yet learned a newly registered union's key from the broker.
    """
    try:
        return await clocks, None
    except BackendError as exc:
        log.warning("sla_clocks_unavailable", status=exc.status_code, reason=exc.reason[:200])
        if exc.unavailable:
            return None, "SLA clocks are unavailable: the clock service did not answer."
        return None, f"SLA clocks are unavailable: the clock service refused ({exc.reason})."


def _latest(view: dict[str, Any], kind: str) -> dict[str, Any] | None:
    entries = [e["details"] for e in view.get("timeline", []) if e["kind"] == kind]
    return entries[-1] if entries else None


async def _act(
    web: WebRuntime, session: Session, complaint_id: UUID, action: str, body: dict[str, Any]
) -> str:
    """Send the officer's action to feedback and audit it; the note shown on the page."""
    try:
        await web.backend.officer_action(session.officer.union_id, complaint_id, action, body)
    except BackendError as exc:
        if exc.unavailable:
            raise
        return f"refused: {exc.reason}"
    await store.audit(
        web.pool,
        action,
        officer=session.officer,
        complaint_id=complaint_id,
        details={k: v for k, v in body.items() if k not in ("message", "resolution_note")},
    )
    return "saved"


@router.post("/complaints/{complaint_id}/respond")
async def respond(complaint_id: UUID, request: Request, web: Runtime, session: Officer) -> Response:
    _require(session, "admin", "officer")
    form = await _checked_form(request, session)
    body = {
        "officer": session.officer.display_name,
        "message": str(form.get("message") or "").strip(),
        "waiting_on_worker": form.get("waiting_on_worker") == "on",
    }
    return _back_to(complaint_id, await _act(web, session, complaint_id, "responses", body))


@router.post("/complaints/{complaint_id}/resolve")
async def resolve(complaint_id: UUID, request: Request, web: Runtime, session: Officer) -> Response:
    _require(session, "admin", "officer")
    form = await _checked_form(request, session)
    body = {
        "officer": session.officer.display_name,
        "outcome": str(form.get("outcome") or ""),
        "actions_taken": [str(a) for a in form.getlist("actions_taken")],
        "resolution_note": str(form.get("resolution_note") or "").strip(),
    }
    return _back_to(complaint_id, await _act(web, session, complaint_id, "resolution", body))


@router.post("/complaints/{complaint_id}/recategorize")
async def recategorize(
    complaint_id: UUID, request: Request, web: Runtime, session: Officer
) -> Response:
    _require(session, "admin", "officer")
    form = await _checked_form(request, session)
    body: dict[str, Any] = {
        "officer": session.officer.display_name,
        "category": str(form.get("category") or ""),
        "tags": [str(t) for t in form.getlist("tags")],
    }
    if form.get("priority"):
        body["priority"] = str(form.get("priority"))
    return _back_to(complaint_id, await _act(web, session, complaint_id, "category", body))


@router.get("/evidence/{evidence_id}")
async def evidence_file(
    evidence_id: UUID, request: Request, web: Runtime, session: Officer
) -> Response:
    _require(session, "admin", "officer")
    found = await store.evidence_file(web.pool, session.officer.union_id, evidence_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file for your union")
    await store.audit(
        web.pool,
        "evidence_viewed",
        officer=session.officer,
        complaint_id=found.complaint_id,
        details={"evidence_id": str(evidence_id)},
    )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{found.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # Opened on its own, a file can run nothing (a PDF with scripts, say).
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
        },
    )


# -- federation --------------------------------------------------------------------------------


@router.get("/federation")
async def federation(
    request: Request,
    web: Runtime,
    session: Officer,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    federation_name = session.officer.federation
    if not federation_name:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "your account reads no federation")
    try:
        stats = await web.backend.federation_stats(
            session.officer.union_id, federation_name, start, end
        )
    except BackendError as exc:
        if exc.unavailable:
            raise
        # Feedback answers 404 when the account's union is not (or no longer) a member.
        raise HTTPException(
            exc.status_code, f"no figures for federation {federation_name}: {exc.reason}"
        ) from exc
    await store.audit(web.pool, "federation_viewed", officer=session.officer)
    return render(request, "federation.html", private=True, session=session, stats=stats)


# -- accounts and audit (union admins) ---------------------------------------------------------


@router.get("/admin")
async def admin_page(request: Request, web: Runtime, session: Officer) -> Response:
    _require(session, "admin")
    union_id = session.officer.union_id
    return render(
        request,
        "admin.html",
        private=True,
        session=session,
        officers=await store.officers_of(web.pool, union_id),
        audit=await store.audit_entries(web.pool, union_id),
        roles=auth.ROLES,
        note=request.query_params.get("note"),
    )


@router.post("/admin/officers")
async def add_officer(request: Request, web: Runtime, session: Officer) -> Response:
    _require(session, "admin")
    form = await _checked_form(request, session)
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    try:
        if role not in auth.ROLES or not username:
            raise ValueError("a username and one of the roles are needed")
        await store.create_officer(
            web.pool,
            union_id=session.officer.union_id,
            username=username,
            display_name=str(form.get("display_name") or username).strip(),
            role=role,
            federation=str(form.get("federation") or "").strip() or None,
            password_hash=auth.hash_password(str(form.get("password") or "")),
        )
    except ValueError as exc:
        note = f"refused: {exc}"
    except asyncpg.UniqueViolationError:
        note = "refused: that username is taken"
    else:
        await store.audit(
            web.pool,
            "officer_added",
            officer=session.officer,
            details={"username": username, "role": role},
        )
        note = "saved"
    return RedirectResponse(f"/officer/admin?note={note}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/admin/officers/{username}/deactivate")
async def deactivate_officer(
    username: str, request: Request, web: Runtime, session: Officer
) -> Response:
    _require(session, "admin")
    await _checked_form(request, session)
    if username == session.officer.username:
        note = "refused: you cannot switch off your own account"
    elif await store.deactivate_officer(web.pool, session.officer.union_id, username):
        await store.audit(
            web.pool, "officer_deactivated", officer=session.officer, details={"username": username}
        )
        note = "saved"
    else:
        note = "refused: no such account in your union"
    return RedirectResponse(f"/officer/admin?note={note}", status_code=status.HTTP_303_SEE_OTHER)
