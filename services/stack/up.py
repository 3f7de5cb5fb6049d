"""`aduan up`: the whole platform on one machine, no Docker.

Starts the embedded broker (Tansu, memory storage) and PostgreSQL with pgvector (data kept under
the data directory), creates the topics, registers the demo unions, makes sure a triage model and
the starter case base exist, then runs the four services as separate processes on loopback and
writes `stack.json`. Ctrl-C stops the services (each drains its in-flight work), then the broker
and the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import asyncpg
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from schemas.topics import all_topic_partitions
from services.stack.embedded import EmbeddedBroker, EmbeddedPostgres, create_topics, free_port
from services.stack.state import (
    CONTACT_KEY,
    DEAD_LETTER_KEY,
    DEMO_UNIONS,
    DemoUnion,
    StackState,
    persistent_secret,
    previous_union_keys,
    write_state,
)
from services.stack.supervisor import (
    SERVICES,
    Child,
    child_env,
    restart_crashed,
    restart_delay,
    stop_all,
    wait_healthy,
)

console = Console()

DATABASE_NAME = "aduan"
STARTER_CASES = Path(__file__).resolve().parents[1] / "recommend" / "data" / "starter_cases.jsonl"
DEFAULT_PORTS = {"intake": 8081, "triage": 8082, "recommend": 8083, "feedback": 8084, "web": 8085}
# Loading the model and joining the consumer group takes a few seconds per service on 2 cores.
HEALTH_TIMEOUT_SECONDS = 120.0


class Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop


def run_up(
    data_dir: Path,
    *,
    after_start: list[list[str]] | None = None,
    triage_workers: int = 1,
    encoder_threads: int | None = None,
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _raise_stop)
    broker = EmbeddedBroker(data_dir / "broker")
    postgres = EmbeddedPostgres(data_dir / "pg")
    children: list[Child] = []
    try:
        with console.status("starting the broker and the database"):
            broker.start()
            postgres.start()
            database_url = asyncio.run(postgres.ensure_database(DATABASE_NAME))
            asyncio.run(create_topics(broker.bootstrap_servers, all_topic_partitions()))
        console.print(f"[green]✓[/] broker {broker.bootstrap_servers}, database {DATABASE_NAME}")
        unions = _register_unions(data_dir, database_url)
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "DATABASE_URL": database_url,
            "ADUAN_TRACKING_KEY": persistent_secret(data_dir, "tracking_key"),
            "ADUAN_DEAD_LETTER_KEYS": json.dumps([persistent_secret(data_dir, DEAD_LETTER_KEY)]),
            "ADUAN_CONTACT_KEYS": json.dumps([persistent_secret(data_dir, CONTACT_KEY)]),
            "ADUAN_MODEL_DIR": str((data_dir / "models" / "triage").resolve()),
        }
        _prepare_data(env)
        children = _start_services(data_dir, env, triage_workers, encoder_threads)
        officers = _demo_officers(data_dir, database_url, unions)
        children.append(_start_web(data_dir, env, children, unions))
        state = StackState(
            started_at=datetime.now(UTC),
            kafka_bootstrap_servers=broker.bootstrap_servers,
            database_url=database_url,
            services={c.name: c.url for c in children},
            unions=unions,
            pids=_pids(children, broker, postgres),
        )
        write_state(data_dir, state)
        _show(state, data_dir, officers)
        for command in after_start or []:
            subprocess.run([sys.executable, "-m", "services.cli", *command], check=False)
        _watch(
            children,
            broker,
            postgres,
            lambda: _record_pids(data_dir, state, children, broker, postgres),
        )
    except (KeyboardInterrupt, Stop):
        console.print("\nstopping…")
    finally:
        stop_all(children)
        broker.stop()
        postgres.stop()
        console.print("[green]✓[/] stopped; data kept in", str(data_dir))


def _register_unions(data_dir: Path, database_url: str) -> dict[str, DemoUnion]:
    from services.intake.cli import register  # the stack composes services; it is not one

    keys = previous_union_keys(data_dir)
    unions = {}
    for union_id, (name, federation) in DEMO_UNIONS.items():
        registration = asyncio.run(
            register(
                database_url,
                union_id,
                name,
                federation=federation,
                share_cases=True,
                api_key=keys.get(union_id),
            )
        )
        unions[union_id] = DemoUnion(
            union_id=union_id, name=name, federation=federation, api_key=registration.api_key
        )
    console.print(f"[green]✓[/] unions registered: {', '.join(unions)}")
    return unions


def _prepare_data(env: dict[str, str]) -> None:
    """A triage model and the starter case base, each made once and kept in the data dir."""
    full_env = child_env(env)
    steps = [
        ("triage model", ["triage", "ensure-model"]),
        ("starter case base (synthetic)", ["recommend", "load-cases", str(STARTER_CASES)]),
    ]
    for label, args in steps:
        console.print(f"[bold]{label}[/]")
        subprocess.run([sys.executable, "-m", "services.cli", *args], env=full_env, check=True)


def service_processes(triage_workers: int) -> list[tuple[str, str]]:
    """(process name, service) of each process to start: the four services, triage as
    `triage_workers` processes sharing one consumer group ("triage", "triage-2", ...)."""
    processes = [(name, name) for name in SERVICES if name != "triage"]
    processes += [
        ("triage" if i == 0 else f"triage-{i + 1}", "triage") for i in range(triage_workers)
    ]
    return processes


def _start_services(
    data_dir: Path, env: dict[str, str], triage_workers: int, encoder_threads: int | None
) -> list[Child]:
    children = []
    for name, service_name in service_processes(triage_workers):
        port = DEFAULT_PORTS.get(name, 0)
        port = port if port and _free(port) else free_port()
        extra = {"ADUAN_HTTP_PORT": str(port)}
        if service_name == "triage" and encoder_threads is not None:
            extra["ADUAN_ENCODER_THREADS"] = str(encoder_threads)
        child = Child(
            name, port, child_env({**env, **extra}), data_dir / "logs" / f"{name}.log", service_name
        )
        child.start()
        children.append(child)
    with console.status(f"waiting for the {len(children)} service processes to be healthy"):
        late = wait_healthy(children, HEALTH_TIMEOUT_SECONDS)
    if late:
        names = ", ".join(c.name for c in late)
        raise RuntimeError(f"not healthy: {names}; see {data_dir / 'logs'}")
    return children


def _demo_officers(
    data_dir: Path, database_url: str, unions: dict[str, DemoUnion]
) -> dict[str, str]:
    """An admin account per demo union (`<union>-admin`), its password kept in the data dir."""
    from services.web.cli import add_officer  # the stack composes services; it is not one

    logins = {}
    for union in unions.values():
        username = f"{union.union_id}-admin"
        password = persistent_secret(data_dir, f"officer:{username}")
        with contextlib.suppress(asyncpg.UniqueViolationError):
            asyncio.run(
                add_officer(
                    database_url,
                    union_id=union.union_id,
                    username=username,
                    password=password,
                    role="admin",
                    display_name=f"Admin {union.union_id.upper()}",
                    federation=union.federation,
                )
            )
        logins[username] = password
    return logins


def _start_web(
    data_dir: Path, env: dict[str, str], services: list[Child], unions: dict[str, DemoUnion]
) -> Child:
    """The web frontend, a client of intake and feedback holding the demo unions' keys."""
    urls = {c.name: c.url for c in services}
    port = DEFAULT_PORTS["web"] if _free(DEFAULT_PORTS["web"]) else free_port()
    extra = {
        "ADUAN_HTTP_PORT": str(port),
        "ADUAN_INTAKE_URL": urls["intake"],
        "ADUAN_FEEDBACK_URL": urls["feedback"],
        "ADUAN_WEB_UNION_KEYS": json.dumps({u.union_id: u.api_key for u in unions.values()}),
        "ADUAN_WEB_UNION_NAMES": json.dumps({u.union_id: u.name for u in unions.values()}),
    }
    child = Child("web", port, child_env({**env, **extra}), data_dir / "logs" / "web.log")
    child.start()
    if wait_healthy([child], HEALTH_TIMEOUT_SECONDS):
        raise RuntimeError(f"web not healthy; see {child.log_path}")
    return child


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _show(state: StackState, data_dir: Path, officers: dict[str, str]) -> None:
    table = Table("service", "endpoint", title="Aduan is running")
    for name, url in state.services.items():
        table.add_row(name, url)
    console.print(table)
    keys = Table("union", "API key", title="demo unions")
    for union in state.unions.values():
        keys.add_row(union.union_id, union.api_key)
    console.print(keys)
    web = state.services.get("web")
    if web:
        # Plain lines, not a table: a password cut short by a narrow terminal is no password.
        console.print(f"[bold]web app[/]  workers: {web}/  emergency: {web}/emergency")
        console.print(f"officers: {web}/officer, log in as (admin of each demo union):")
        for login, password in officers.items():
            console.print(f"  {login}  {password}", soft_wrap=True, highlight=False)
    intake = state.services["intake"]
    console.print(
        Panel.fit(
            f"state: {data_dir / 'stack.json'}   logs: {data_dir / 'logs'}\n"
            f"submit:  curl -X POST {intake}/v1/complaints -H 'X-API-Key: <key>'"
            " -H 'content-type: application/json'"
            ' -d \'{"text": "...", "idempotency_key": "1", "sector": "garment"}\'\n'
            "watch:   aduan tail aduan.complaint.triaged.v1   demo: aduan demo\n"
            "Ctrl-C stops everything.",
            title="next",
        )
    )


def _pids(
    children: list[Child], broker: EmbeddedBroker, postgres: EmbeddedPostgres
) -> dict[str, int]:
    """Every process of the stack by name: operators (and the chaos benchmark) find them here."""
    pids = {c.name: c.process.pid for c in children if c.process}
    for name, pid in (("broker", broker.pid), ("postgres", postgres.pid)):
        if pid is not None:
            pids[name] = pid
    return pids


def _record_pids(
    data_dir: Path,
    state: StackState,
    children: list[Child],
    broker: EmbeddedBroker,
    postgres: EmbeddedPostgres,
) -> None:
    state.pids = _pids(children, broker, postgres)
    write_state(data_dir, state)


def _watch(
    children: list[Child],
    broker: EmbeddedBroker,
    postgres: EmbeddedPostgres,
    after_restart: Callable[[], None],
) -> None:
    """Keep everything running: the broker and the database first, then the services."""
    while True:
        time.sleep(1)
        restarted_any = False
        if not postgres.running:
            console.print("[red]PostgreSQL stopped[/]: starting it again (data is on disk)")
            postgres.restart()
            restarted_any = True
        if not broker.running:
            _restart_broker(broker)
            restarted_any = True
        newly_dead = [c for c in children if not c.alive() and c.died_at is None]
        restarted = restart_crashed(children)
        if restarted_any or restarted:
            after_restart()
        for child in restarted:
            console.print(
                f"[yellow]restarted {child.name}[/] (crash {child.crashes_in_a_row} in a row,"
                f" {child.restarts} restarts in all); see {child.log_path}"
            )
        for child in newly_dead:
            if child not in restarted:
                wait = restart_delay(child.crashes_in_a_row)
                console.print(
                    f"[red]{child.name} keeps crashing[/] ({child.crashes_in_a_row} in a row):"
                    f" next start in {wait:.0f} s; see {child.log_path}"
                )


def _restart_broker(broker: EmbeddedBroker) -> None:
    """The broker died: start it on the same port and create the topics again.

    Its storage is memory: events in flight are gone. The services reconnect by themselves,
    each outbox sends what was committed and not yet published, and intake republishes
    complaints left without a recommendation (`stuck_after_seconds`).
    """
    console.print("[red]broker stopped[/]: starting it again on the same port")
    broker.restart()
    asyncio.run(create_topics(broker.bootstrap_servers, all_topic_partitions()))
    console.print("[green]✓[/] broker back; in-flight complaints are republished by intake")
