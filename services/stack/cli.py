"""Stack commands: `aduan up`, `aduan demo`, `aduan tail`, `aduan dlq`."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer

from services.stack.state import DEFAULT_DATA_DIR, read_state


def _bootstrap(bootstrap: str | None, data_dir: Path) -> str:
    return (
        bootstrap
        or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        or read_state(data_dir).kafka_bootstrap_servers
    )


BOOTSTRAP_OPTION = typer.Option(
    None, help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or stack.json)"
)


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
        """Submit the 40 labelled examples to a running stack and show each one's triage."""
        from services.stack.demo import run

        done = asyncio.run(run(read_state(data_dir), limit, timeout))
        if done == 0:
            raise typer.Exit(1)

    @app.command()
    def tail(
        topic: str = typer.Argument(help="e.g. aduan.complaint.triaged.v1 (or its .dlq)"),
        from_beginning: bool = typer.Option(False, "--from-beginning", help="replay history"),
        limit: int | None = typer.Option(None, help="stop after N events"),
        bootstrap: str | None = BOOTSTRAP_OPTION,
        data_dir: Path = typer.Option(DEFAULT_DATA_DIR),
    ) -> None:
        """Print a topic's events readably, as they arrive."""
        from services.stack.tail import run_tail

        run_tail(_bootstrap(bootstrap, data_dir), topic, from_beginning, limit)

    app.add_typer(dlq_app, name="dlq")


dlq_app = typer.Typer(
    help="Dead letters: list what failed and why; replay once the cause is fixed.",
    no_args_is_help=True,
)


DLQ_TOPIC_ARGUMENT = typer.Argument(help="e.g. aduan.complaint.received.v1.dlq")


@dlq_app.command("list")
def dlq_list(
    topic: str = DLQ_TOPIC_ARGUMENT,
    bootstrap: str | None = BOOTSTRAP_OPTION,
    data_dir: Path = typer.Option(DEFAULT_DATA_DIR),
) -> None:
    """One line per dead letter: where it was, which consumer gave up, why."""
    from services.stack.dlq import read_dead_letters
    from services.stack.dlq_view import letters_table

    letters = asyncio.run(read_dead_letters(_bootstrap(bootstrap, data_dir), topic))
    letters_table(topic, letters)


@dlq_app.command("replay")
def dlq_replay(
    topic: str = DLQ_TOPIC_ARGUMENT,
    at: list[str] = typer.Option(
        [], "--at", help="only the letter at PARTITION:OFFSET (repeatable; default: all)"
    ),
    bootstrap: str | None = BOOTSTRAP_OPTION,
    data_dir: Path = typer.Option(DEFAULT_DATA_DIR),
) -> None:
    """Publish dead letters back to the topic they failed on (consumers skip what they had)."""
    from services.stack.dlq import read_dead_letters, replay
    from services.stack.dlq_view import chosen, replay_summary, sealer_for

    servers = _bootstrap(bootstrap, data_dir)
    letters = chosen(asyncio.run(read_dead_letters(servers, topic)), at)
    report = asyncio.run(replay(servers, letters, sealer_for(data_dir)))
    replay_summary(report)
    if report.not_opened:
        raise typer.Exit(1)
