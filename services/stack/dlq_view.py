"""What `aduan dlq` prints, and how it picks letters and keys."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from services.runtime.sealing import Sealer
from services.runtime.settings import ServiceSettings
from services.stack.dlq import DeadLetter, ReplayReport
from services.stack.state import DEAD_LETTER_KEY, stored_secret

console = Console()


def letters_table(topic: str, letters: list[DeadLetter]) -> None:
    table = Table(title=f"{topic}: {len(letters)} dead letters")
    for column in ("at", "key", "failed at", "consumer", "error", "reason", "body"):
        table.add_column(column)
    for d in letters:
        table.add_row(
            f"{d.partition}:{d.offset}",
            (d.key or b"-").decode(errors="replace"),
            d.headers.get("x-dlq-failed-at", ""),
            d.headers.get("x-dlq-consumer", ""),
            d.headers.get("x-dlq-error-type", ""),
            d.reason,
            f"{d.body_state}, {d.headers.get('x-dlq-body-bytes', len(d.body))} bytes",
        )
    console.print(table)


def chosen(letters: list[DeadLetter], at: list[str]) -> list[DeadLetter]:
    """The letters named PARTITION:OFFSET, or all of them; a name that matches none is an error."""
    if not at:
        return letters
    by_place = {f"{d.partition}:{d.offset}": d for d in letters}
    missing = [place for place in at if place not in by_place]
    if missing:
        raise typer.BadParameter(f"no dead letter at {', '.join(missing)}", param_hint="--at")
    return [by_place[place] for place in at]


def sealer_for(data_dir: Path) -> Sealer | None:
    """The keys the services seal with: $ADUAN_DEAD_LETTER_KEYS, else the embedded stack's."""
    keys = ServiceSettings().dead_letter_keys
    if not keys and (stack_key := stored_secret(data_dir, DEAD_LETTER_KEY)) is not None:
        return Sealer([stack_key])
    return Sealer(keys) if keys else None


def replay_summary(report: ReplayReport) -> None:
    for d in report.replayed:
        console.print(f"[green]✓[/] {d.partition}:{d.offset} → {d.original_topic}")
    for d, why in report.not_opened:
        console.print(f"[red]✗[/] {d.partition}:{d.offset} not replayed: {why}")
    console.print(f"{len(report.replayed)} replayed, {len(report.not_opened)} not opened")
