"""`aduan intake ...`: union registration."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import typer
from rich.console import Console

from services.intake.app import MIGRATIONS
from services.intake.unions import Registration, register_union
from services.runtime.db import apply_migrations

app = typer.Typer(help="Intake: unions and their API keys.", no_args_is_help=True)
console = Console()


async def register(
    database_url: str,
    union_id: str,
    name: str,
    *,
    federation: str | None = None,
    share_cases: bool = False,
    api_key: str | None = None,
) -> Registration:
    conn = await asyncpg.connect(database_url)
    try:
        await apply_migrations(conn, "intake", MIGRATIONS)
        await conn.execute('SET search_path TO "intake", public')
        return await register_union(
            conn, union_id, name, federation=federation, share_cases=share_cases, api_key=api_key
        )
    finally:
        await conn.close()


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
