"""`aduan web ...`: officer accounts of the web frontend."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
import typer
from rich.console import Console

from services.runtime.db import apply_migrations
from services.web import auth, store
from services.web.app import MIGRATIONS
from services.web.store import Officer

app = typer.Typer(help="Web frontend: officer accounts.", no_args_is_help=True)
console = Console()


async def add_officer(
    database_url: str,
    *,
    union_id: str,
    username: str,
    password: str,
    role: str = "officer",
    display_name: str | None = None,
    federation: str | None = None,
) -> Officer:
    """Create an account (migrating the web schema first, so it works before `serve web`)."""
    if role not in auth.ROLES:
        raise ValueError(f"role must be one of {', '.join(auth.ROLES)}")
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn, "web", MIGRATIONS)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(
        database_url, min_size=1, max_size=1, server_settings={"search_path": '"web",public'}
    )
    try:
        officer = await store.create_officer(
            pool,
            union_id=union_id,
            username=username,
            display_name=display_name or username,
            role=role,
            federation=federation,
            password_hash=auth.hash_password(password),
        )
        await store.audit(
            pool,
            "officer_added",
            username="command line",
            union_id=union_id,
            details={"username": username, "role": role},
        )
        return officer
    finally:
        await pool.close()


@app.command("add-officer")
def add_officer_command(
    username: str = typer.Argument(help="login name"),
    union_id: str = typer.Option(..., "--union", help="the union the account works for"),
    role: str = typer.Option("officer", help="admin, officer or federation_viewer"),
    name: str | None = typer.Option(None, help="name shown to colleagues and in responses"),
    federation: str | None = typer.Option(None, help="for federation viewers"),
    password_stdin: bool = typer.Option(
        False, help="read the password from standard input instead of prompting"
    ),
    database_url: str = typer.Option(os.environ.get("DATABASE_URL", ""), help="Postgres URL"),
) -> None:
    """Create an officer account; the password is asked for (never an argument: shell history)."""
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    try:
        officer = asyncio.run(
            add_officer(
                database_url,
                union_id=union_id,
                username=username,
                password=password,
                role=role,
                display_name=name,
                federation=federation,
            )
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    except asyncpg.UniqueViolationError as exc:
        raise typer.BadParameter(f"username {username!r} is taken") from exc
    console.print(f"[green]✓[/] {officer.role} [bold]{officer.username}[/] of {officer.union_id}")
