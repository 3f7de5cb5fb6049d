"""Officers' logins and sessions: argon2 password hashes, session cookies, CSRF, throttling.

A session is a random token in an HttpOnly cookie; the database keeps only its sha256, so a
leaked table opens nothing. Every form that changes something carries the session's CSRF token
(or, before login, a token in its own cookie that the form must repeat: a page on another site
can make the browser send our cookies but cannot read them to fill in the form).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request, Response, status

from services.web import store
from services.web.settings import WebSettings
from services.web.store import Officer

SESSION_COOKIE = "aduan_session"
FORM_COOKIE = "aduan_form"
ROLES = ("admin", "officer", "federation_viewer")
# Officers pick their own passwords; shorter ones fall to a guessing run in hours.
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong
# password and response times do not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


class LoginRefused(Exception):
    """Wrong username or password, or too many failures: the reason is shown to the officer."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def log_in(
    pool: asyncpg.Pool, settings: WebSettings, username: str, password: str, address: str
) -> tuple[Officer, str]:
    """The officer and a new session token; `LoginRefused` on a wrong or throttled login."""
    now = datetime.now(UTC)
    since = now - timedelta(minutes=settings.login_window_minutes)
    if await store.recent_login_failures(pool, username, address, since) >= (
        settings.login_max_failures
    ):
        await store.audit(pool, "login_throttled", username=username, details={"from": address})
        raise LoginRefused("too many failed logins: wait a few minutes and try again")
    account = await store.active_account(pool, username)
    if not _password_matches(account[1] if account else _DUMMY_HASH, password) or not account:
        await store.record_login_failure(pool, username, address)
        await store.audit(pool, "login_failed", username=username, details={"from": address})
        raise LoginRefused("wrong username or password")
    officer, stored_hash = account
    if _hasher.check_needs_rehash(stored_hash):
        await store.set_password_hash(pool, officer.officer_id, _hasher.hash(password))
    await store.clear_login_failures(pool, username)
    token = secrets.token_urlsafe(32)
    await store.create_session(
        pool,
        _token_hash(token),
        officer.officer_id,
        secrets.token_urlsafe(32),
        now,
        now + timedelta(hours=settings.session_hours),
    )
    await store.audit(pool, "login", officer=officer, details={"from": address})
    return officer, token


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def session_of(
    pool: asyncpg.Pool, settings: WebSettings, request: Request
) -> store.Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    now = datetime.now(UTC)
    found = await store.touch_session(
        pool, _token_hash(token), now, now - timedelta(minutes=settings.session_idle_minutes)
    )
    return None if found is None else store.Session(*found)


async def log_out(pool: asyncpg.Pool, request: Request) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await store.end_session(pool, _token_hash(token))


def set_session_cookie(response: Response, token: str, settings: WebSettings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


# -- CSRF --------------------------------------------------------------------------------------


def form_token(request: Request) -> str:
    """The pre-login CSRF token of this browser (made when the form is first shown)."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def keep_form_token(response: Response, token: str, settings: WebSettings) -> None:
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, secure=settings.secure_cookies, samesite="strict"
    )


def check_csrf(expected: str | None, presented: object) -> None:
    if (
        not expected
        or not isinstance(presented, str)
        or not hmac.compare_digest(expected.encode(), presented.encode())
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "this form has expired or did not come from this site: reload the page and try again",
        )
