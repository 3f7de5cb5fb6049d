"""`aduan intake ...`: unions, their API keys, and the sealed contact details."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import asyncpg
import typer
from rich.console import Console

from services.intake.app import MIGRATIONS
from services.intake.contacts import reseal_all
from services.intake.settings import IntakeSettings
from services.intake.unions import Registration, UnknownUnion, register_union, rotate_key
from services.runtime.db import apply_migrations

app = typer.Typer(help="Intake: unions and their API keys.", no_args_is_help=True)
console = Console()
T = TypeVar("T")


async def on_intake_schema(
    database_url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]
) -> T:
    """Run `work` on a connection to intake's schema, migrated first (the service may never
    have started against this database)."""
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn, "intake", MIGRATIONS)
        await conn.execute('SET search_path TO "intake", public')
        return await work(conn)
    finally:
        await conn.close()


async def register(
    database_url: str,
    union_id: str,
    name: str,
    *,
    federation: str | None = None,
    share_cases: bool = False,
    api_key: str | None = None,
) -> Registration:
    return await on_intake_schema(
        database_url,
        lambda conn: register_union(
            conn, union_id, name, federation=federation, share_cases=share_cases, api_key=api_key
        ),
    )


@app.command("add-union")
def add_union(
    union_id: str = typer.Argument(help="short id, e.g. spn"),
    name: str = typer.Option(..., help="the union's full name"),
    federation: str | None = typer.Option(None),
    share_cases: bool = typer.Option(False, help="let other unions learn from its resolved cases"),
    database_url: str = typer.Option(os.environ.get("DATABASE_URL", ""), help="Postgres URL"),
) -> None:
    """Register a union (or update it) and print its new API key, shown only this once."""
    registration = asyncio.run(
        register(database_url, union_id, name, federation=federation, share_cases=share_cases)
    )
    console.print(f"union [bold]{registration.union.union_id}[/] registered; API key:")
    print(registration.api_key)


@app.command("rotate-key")
def rotate(
    union_id: str = typer.Argument(help="the union whose key to replace"),
    overlap_hours: float = typer.Option(
        24.0, min=0.0, help="how long the current key keeps working beside the new one"
    ),
    database_url: str = typer.Option(os.environ.get("DATABASE_URL", ""), help="Postgres URL"),
) -> None:
    """Issue a new API key and print it once; the old key works for --overlap-hours more, so
    the union's frontends switch without downtime."""
    try:
        overlap = timedelta(hours=overlap_hours)
        registration = asyncio.run(
            on_intake_schema(database_url, lambda conn: rotate_key(conn, union_id, overlap))
        )
    except UnknownUnion:
        console.print(f"[red]no union {union_id!r}[/]")
        raise typer.Exit(1) from None
    until = registration.union.previous_key_valid_until
    console.print(f"new API key for [bold]{union_id}[/]; the old one works until {until}:")
    print(registration.api_key)


@app.command("reseal-contacts")
def reseal_contacts(
    database_url: str = typer.Option(os.environ.get("DATABASE_URL", ""), help="Postgres URL"),
) -> None:
    """Seal every stored contact and complaint text again under the first of ADUAN_CONTACT_KEYS
    (after putting a new key first; those stored before sealing was on are sealed now)."""
    contacts = IntakeSettings().contacts
    if contacts.sealer is None:
        console.print("[red]set ADUAN_CONTACT_KEYS first[/]")
        raise typer.Exit(1)
    with console.status("re-sealing contacts and complaint texts"):
        counts = asyncio.run(
            on_intake_schema(database_url, lambda conn: reseal_all(conn, contacts))
        )
    console.print(
        f"{counts['contacts']} contacts and {counts['complaints']} complaint texts sealed"
        " under the first key"
    )
