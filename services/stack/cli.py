"""Stack commands: `aduan up`, `aduan demo`, `aduan tail`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer

from services.stack.state import DEFAULT_DATA_DIR, read_state


def add_commands(app: typer.Typer) -> None:
    @app.command()
    def up(
        data_dir: Path = typer.Option(DEFAULT_DATA_DIR, help="where data, logs and state live"),
        demo: bool = typer.Option(False, help="run `aduan demo` once everything is up"),
        triage_workers: int = typer.Option(
            1, min=1, max=6, help="triage processes in one consumer group (six partitions)"
        ),
        # One: on a small machine the encoder shares the cores with four services, PostgreSQL
        # and the broker, and idle BLAS threads spinning for work cost triage ~50 ms of CPU a
        # complaint at 10/s where one thread cost ~17 (benchmarks/stack_latency.py).
        encoder_threads: int = typer.Option(
            1, min=1, help="threads each triage worker's encoder may use"
        ),
    ) -> None:
        """Start broker, database and the four services on this machine (Ctrl-C stops)."""
        from services.stack.up import run_up

        run_up(
            data_dir,
            after_start=[["demo", "--data-dir", str(data_dir)]] if demo else None,
            triage_workers=triage_workers,
            encoder_threads=encoder_threads,
        )

    @app.command()
    def demo(
        data_dir: Path = typer.Option(DEFAULT_DATA_DIR, help="the running stack's data directory"),
        limit: int | None = typer.Option(None, help="send only the first N examples"),
        timeout: float = typer.Option(120.0, help="seconds to wait for each complaint"),
    ) -> None:
        """Submit the DOMAIN.md examples to a running stack and show each one's triage."""
        from services.stack.demo import run

        done = asyncio.run(run(read_state(data_dir), limit, timeout))
        if done == 0:
            raise typer.Exit(1)

    @app.command()
    def tail(
        topic: str = typer.Argument(help="e.g. aduan.complaint.triaged.v1 (or its .dlq)"),
        from_beginning: bool = typer.Option(False, "--from-beginning", help="replay history"),
        limit: int | None = typer.Option(None, help="stop after N events"),
        bootstrap: str | None = typer.Option(
            None, help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or stack.json)"
        ),
        data_dir: Path = typer.Option(DEFAULT_DATA_DIR),
    ) -> None:
        """Print a topic's events readably, as they arrive."""
        from services.stack.tail import run_tail

        servers = (
            bootstrap
            or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            or read_state(data_dir).kafka_bootstrap_servers
        )
        run_tail(servers, topic, from_beginning, limit)
