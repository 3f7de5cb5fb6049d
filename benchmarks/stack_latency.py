"""How long a complaint takes from the worker's POST to its recommendation, at fixed offered loads.

Starts the embedded stack (`aduan up`: broker, database, the four services) in a scratch data
directory, then, per offered rate, sends corpus complaints *open loop* (each at its scheduled
time, whether or not earlier ones are done: a slow stack builds a queue instead of slowing the
load) over HTTP or as `complaint.received` events on Kafka. Each complaint is timed to the moment
its `complaint.recommended` event reaches a consumer on the broker, and split into hops by the
events' broker timestamps:

    intake     POST (or produce) → complaint.submitted on the broker (accept + outbox relay)
    triage     complaint.submitted → complaint.triaged
    recommend  complaint.triaged → complaint.recommended
    delivery   complaint.recommended on the broker → read by a subscriber (an officer's screen)

Each consumer's queue wait and handling time come from the services' own histograms
(`aduan_event_wait_seconds`, `aduan_event_handling_seconds`), scraped before and after each rate.
A rate is *sustained* when every complaint was recommended, the stack kept pace (completions
at >= 95% of the offered rate) and no queue built up (p99 under `SUSTAINED_P99_S`).

    python benchmarks/stack_latency.py                                # HTTP, one triage worker
    python benchmarks/stack_latency.py --triage-workers 2 --encoder-threads 1 --name split
    python benchmarks/stack_latency.py --intake kafka --name kafka
    python benchmarks/stack_latency.py --rates --burst 10000 --name burst   # burst only

Results: `results/stack_latency_<name>.json` and `.png`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import kit
import psutil
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from rich.console import Console

from schemas.envelope import body_bytes, cloudevent_headers
from schemas.events import ComplaintReceived
from schemas.topics import (
    COMPLAINT_RECEIVED,
    COMPLAINT_RECOMMENDED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
)
from services.stack.state import StackState, read_state
from services.triage.corpus import load_corpus

RESULTS = kit.ROOT / "benchmarks" / "results"
console = Console(stderr=True)

DEFAULT_RATES = (5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 120.0, 150.0)
# Above this p99 a queue is building: the stack is behind, whatever its throughput.
SUSTAINED_P99_S = 2.0
# Offered rates that failed in a row before the sweep stops (the next ones would fail too).
STOP_AFTER_FAILURES = 2
# Waiting for the last complaints of a rate: a backlog at the stack's own pace, then give up.
DRAIN_TIMEOUT_S = 120.0
# Concurrent HTTP submissions during a burst: a federation's apps reconnecting at once.
BURST_CONCURRENCY = 64
STACK_START_TIMEOUT_S = 600.0
HOPS = ("intake", "triage", "recommend", "delivery")
# The consumers whose queue wait and handling time the hops are made of.
CONSUMERS = {
    "intake": ("intake", COMPLAINT_RECEIVED.name),
    "triage": ("triage", COMPLAINT_SUBMITTED.name),
    "recommend": ("recommend", COMPLAINT_TRIAGED.name),
}
HISTOGRAM = re.compile(
    r'^aduan_event_(wait|handling)_seconds_(sum|count)\{service="([^"]+)",topic="([^"]+)"\}'
    r"\s+([0-9.e+-]+)$",
    re.MULTILINE,
)


# --------------------------------------------------------------------------- the stack
@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    state: StackState
    data_dir: Path

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # SIGINT is ignored in background jobs
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_stack(
    data_dir: Path | None,
    triage_workers: int,
    encoder_threads: int | None,
    env: dict[str, str] | None = None,
) -> Stack:
    """`aduan up` in `data_dir` (a scratch one if None: the model is trained there first).

    A reused data directory keeps its triage model but not its database: complaints left
    behind by an earlier run (the broker keeps its topics in memory) would be republished by
    intake's stuck-complaint sweep in the middle of this one."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="aduan-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "stack.json").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "pg", ignore_errors=True)
    command = [sys.executable, "-m", "services.cli", "up", "--data-dir", str(data_dir)]
    command += ["--triage-workers", str(triage_workers)]
    if encoder_threads is not None:
        command += ["--encoder-threads", str(encoder_threads)]
    log = (data_dir / "up.log").open("wb")
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=kit.ROOT,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + STACK_START_TIMEOUT_S
    with console.status(f"starting the embedded stack in {data_dir}"):
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"aduan up exited; see {data_dir / 'up.log'}")
            if (data_dir / "stack.json").exists():
                return Stack(process, read_state(data_dir), data_dir)
            time.sleep(1)
    process.kill()
    raise RuntimeError("the stack did not start in time")


# --------------------------------------------------------------------------- what we observe
@dataclass
class Trace:
    """One complaint's moments, in seconds since the epoch."""

    sent: float
    accepted: float | None = None
    status: int | None = None
    submitted: float | None = None
    triaged: float | None = None
    recommended: float | None = None
    seen: float | None = None
    error: str | None = None  # what went wrong when status is not 200/201

    def hops(self) -> dict[str, float] | None:
        if None in (self.submitted, self.triaged, self.recommended, self.seen):
            return None
        assert self.submitted and self.triaged and self.recommended and self.seen
        return {
            "intake": self.submitted - self.sent,
            "triage": self.triaged - self.submitted,
            "recommend": self.recommended - self.triaged,
            "delivery": self.seen - self.recommended,
        }


@dataclass
class Observer:
    """Reads the three complaint topics from their ends and stamps each complaint's trace."""

    bootstrap: str
    traces: dict[str, Trace] = field(default_factory=dict)  # by complaint id
    by_correlation: dict[str, Trace] = field(default_factory=dict)  # Kafka intake
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # A short fetch wait, as the services use: the observer's own delay is the officer's.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50
        )
        await self._consumer.start()
        partitions = [
            TopicPartition(topic.name, p)
            for topic in (COMPLAINT_SUBMITTED, COMPLAINT_TRIAGED, COMPLAINT_RECOMMENDED)
            for p in range(topic.partitions)
        ]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            now = time.time()
            for tp, records in batches.items():
                for record in records:
                    self._stamp(tp.topic, record, now)

    def _stamp(self, topic: str, record: Any, now: float) -> None:
        complaint_id = json.loads(record.value)["complaint_id"]
        trace = self.traces.get(complaint_id)
        if trace is None and topic == COMPLAINT_SUBMITTED.name:
            headers = {k: v.decode() for k, v in record.headers}
            trace = self.by_correlation.get(headers.get("ce_correlationid", ""))
            if trace is not None:
                self.traces[complaint_id] = trace
        if trace is None:
            return
        at = record.timestamp / 1000
        if topic == COMPLAINT_SUBMITTED.name:
            trace.submitted = trace.submitted or at
        elif topic == COMPLAINT_TRIAGED.name:
            trace.triaged = trace.triaged or at
        else:
            trace.recommended = trace.recommended or at
            trace.seen = trace.seen or now


def processes(stack: Stack) -> dict[str, list[psutil.Process]]:
    """Every process of the stack by role: each service, the broker, PostgreSQL (all backends)."""
    roles: dict[str, list[psutil.Process]] = {
        name: [psutil.Process(pid)] for name, pid in stack.state.pids.items()
    }
    for child in psutil.Process(stack.process.pid).children(recursive=True):
        if "tansu" in " ".join(child.cmdline()):
            roles.setdefault("broker", []).append(child)
    # The embedded PostgreSQL runs detached from `aduan up`: found by its data directory.
    pg_data = str(stack.data_dir / "pg")
    for process in psutil.process_iter(["cmdline"]):
        if pg_data in " ".join(process.info["cmdline"] or ()) and "postgres" in process.name():
            roles.setdefault("postgres", []).append(process)
    return roles


def cpu_seconds(stack: Stack, backends: dict[int, str]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each role; PostgreSQL's backends as found now
    (the services' pools keep theirs open for the whole run). A backend named in `backends`
    (pid → the service whose pool opened it) is also counted as `postgres:<service>`."""
    used: dict[str, float] = {}
    for role, members in processes(stack).items():
        if role == "postgres":
            members = [*members, *(c for m in members for c in m.children())]
        total = 0.0
        for process in {p.pid: p for p in members}.values():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
            if process.pid in backends:
                owner = f"postgres:{backends[process.pid]}"
                used[owner] = used.get(owner, 0.0) + times.user + times.system
        used[role] = total
    return used


async def backend_owners(database_url: str) -> dict[int, str]:
    """Which service each PostgreSQL backend serves (the pools name themselves `aduan-<name>`)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT pid, application_name FROM pg_stat_activity"
            " WHERE application_name LIKE 'aduan-%'"
        )
    finally:
        await conn.close()
    return {row["pid"]: row["application_name"].removeprefix("aduan-") for row in rows}


def scrape(state: StackState) -> dict[tuple[str, str, str, str], float]:
    """(service process, wait|handling, sum|count, topic) → value, from every service."""
    values: dict[tuple[str, str, str, str], float] = {}
    for url in state.services.values():
        text = httpx.get(f"{url}/metrics", timeout=10).text
        for kind, stat, service, topic, value in HISTOGRAM.findall(text):
            key = (service, kind, stat, topic)
            values[key] = values.get(key, 0.0) + float(value)
    return values


def consumer_split(
    before: dict[tuple[str, str, str, str], float], after: dict[tuple[str, str, str, str], float]
) -> dict[str, dict[str, float]]:
    """Mean queue wait and handling time (ms) per consumer over one rate's events."""
    split: dict[str, dict[str, float]] = {}
    for hop, (service, topic) in CONSUMERS.items():
        row = {}
        for kind in ("wait", "handling"):
            total = after.get((service, kind, "sum", topic), 0) - before.get(
                (service, kind, "sum", topic), 0
            )
            count = after.get((service, kind, "count", topic), 0) - before.get(
                (service, kind, "count", topic), 0
            )
            row[f"{kind}_ms"] = round(1000 * total / count, 2) if count else 0.0
        split[hop] = row
    return split


# --------------------------------------------------------------------------- load
class Sender:
    """Submits corpus complaints to intake, over HTTP or as Kafka events."""

    def __init__(self, state: StackState, observer: Observer, intake: str) -> None:
        records = load_corpus()
        self.texts = itertools.cycle([(r.text, r.sector.value) for r in records])
        self.state = state
        self.observer = observer
        self.intake = intake
        self.union = state.unions["spn"]
        self.run = uuid.uuid4().hex[:8]
        self.serial = itertools.count()
        self.http: aiohttp.ClientSession | None = None
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # aiohttp, not httpx: httpx's pool scans every connection per request, so at 64
        # concurrent senders the load generator used a whole core and capped a burst at 42/s.
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=BURST_CONCURRENCY),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        if self.intake == "kafka":
            self.producer = AIOKafkaProducer(
                bootstrap_servers=self.state.kafka_bootstrap_servers, enable_idempotence=False
            )
            await self.producer.start()

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.producer:
            await self.producer.stop()

    async def send(self) -> Trace:
        text, sector = next(self.texts)
        key = f"bench-{self.run}-{next(self.serial)}"
        trace = Trace(sent=time.time())
        if self.producer is not None:
            await self._produce(trace, key, text, sector)
        else:
            await self._post(trace, key, text, sector)
        return trace

    async def _post(self, trace: Trace, key: str, text: str, sector: str) -> None:
        assert self.http is not None
        try:
            async with self.http.post(
                f"{self.state.services['intake']}/v1/complaints",
                headers={"X-API-Key": self.union.api_key},
                json={"text": text, "sector": sector, "idempotency_key": key},
            ) as response:
                body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            trace.accepted, trace.status, trace.error = time.time(), 0, type(exc).__name__
            return
        trace.accepted, trace.status = time.time(), response.status
        if response.status not in (200, 201):
            trace.error = f"HTTP {response.status}: {body[:200].decode(errors='replace')}"
        else:
            self.observer.traces[json.loads(body)["complaint_id"]] = trace

    async def _produce(self, trace: Trace, key: str, text: str, sector: str) -> None:
        assert self.producer is not None
        event = ComplaintReceived(
            union_id=self.union.union_id, idempotency_key=key, text=text, sector=sector
        )
        headers = cloudevent_headers(event, source="benchmark", correlation_id=key)
        self.observer.by_correlation[key] = trace
        await self.producer.send_and_wait(
            COMPLAINT_RECEIVED.name,
            body_bytes(event),
            key=key.encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )
        trace.accepted, trace.status = time.time(), 201


async def open_loop(sender: Sender, rate: float, seconds: float) -> list[Trace]:
    """Send `rate` complaints a second for `seconds`, each at its own scheduled moment."""
    count = max(1, round(rate * seconds))
    start = time.monotonic()
    tasks = []
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(sender.send()))
    return list(await asyncio.gather(*tasks))


async def burst(sender: Sender, count: int) -> tuple[list[Trace], float]:
    """`count` complaints as fast as `BURST_CONCURRENCY` senders can; returns the accept time."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    traces: list[Trace] = []

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            traces.append(await sender.send())

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(BURST_CONCURRENCY)))
    return traces, time.monotonic() - start


async def drained(traces: list[Trace], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(t.seen is not None for t in traces if t.status in (200, 201)):
            return True
        await asyncio.sleep(0.2)
    return False


# --------------------------------------------------------------------------- figures
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(value: float) -> float:
    return round(1000 * value, 1)


def summarise(traces: list[Trace], offered: float) -> dict[str, Any]:
    ok = [t for t in traces if t.status in (200, 201)]
    done = [t for t in ok if t.seen is not None]
    end_to_end = [t.seen - t.sent for t in done if t.seen is not None]
    accept = [t.accepted - t.sent for t in traces if t.accepted is not None]
    hops = [h for t in done if (h := t.hops()) is not None]
    # Throughput between the first and the last recommendation: the tail's latency is not time
    # the stack spent working at a lower rate.
    seen = sorted(t.seen for t in done if t.seen is not None)
    span = seen[-1] - seen[0] if len(seen) > 1 else 0
    return {
        "offered_per_s": offered,
        "sent": len(traces),
        "errors": len(traces) - len(ok),
        "recommended": len(done),
        "completed_per_s": round((len(seen) - 1) / span, 1) if span else 0.0,
        "end_to_end_ms": {
            "p50": ms(percentile(end_to_end, 0.5)),
            "p99": ms(percentile(end_to_end, 0.99)),
            "max": ms(max(end_to_end, default=float("nan"))),
        },
        "accept_ms": {"p50": ms(percentile(accept, 0.5)), "p99": ms(percentile(accept, 0.99))},
        "hops_ms": {
            hop: {
                "p50": ms(percentile([h[hop] for h in hops], 0.5)),
                "p99": ms(percentile([h[hop] for h in hops], 0.99)),
                "mean": ms(statistics.fmean([h[hop] for h in hops])) if hops else None,
            }
            for hop in HOPS
        },
    }


def sustained(row: dict[str, Any]) -> bool:
    return bool(
        row["errors"] == 0
        and row["recommended"] == row["sent"]
        and row["completed_per_s"] >= 0.95 * row["offered_per_s"]
        and row["end_to_end_ms"]["p99"] <= 1000 * SUSTAINED_P99_S
    )


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rates"]
    if not rows:
        return
    offered = [r["offered_per_s"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    ax.plot(
        offered, [r["end_to_end_ms"]["p50"] for r in rows], "o-", label="submit → recommended p50"
    )
    ax.plot(
        offered, [r["end_to_end_ms"]["p99"] for r in rows], "o-", label="submit → recommended p99"
    )
    ax.plot(offered, [r["accept_ms"]["p99"] for r in rows], "s--", label="accept p99")
    if result["max_sustained_per_s"]:
        ax.axvline(result["max_sustained_per_s"], color="grey", linestyle=":")
        ax.text(
            result["max_sustained_per_s"],
            0.03,
            f"max sustained {result['max_sustained_per_s']:g}/s",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="bottom",
            color="grey",
        )
    ax.axhline(300, color="red", linewidth=0.8, linestyle="--", label="300 ms")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (complaints/s)")
    ax.set_ylabel("milliseconds")
    ax.set_title(f"Aduan embedded stack, {result['setup']}")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


# --------------------------------------------------------------------------- main
async def measure(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    observer = Observer(stack.state.kafka_bootstrap_servers)
    await observer.start()
    sender = Sender(stack.state, observer, args.intake)
    await sender.start()
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "setup": args.name,
        "intake": args.intake,
        "triage_workers": args.triage_workers,
        "encoder_threads": args.encoder_threads,
        "seconds_per_rate": args.seconds,
        "cpus": os.cpu_count(),
        "rates": rows,
    }
    try:
        await drained(await open_loop(sender, 5, args.warmup), DRAIN_TIMEOUT_S)  # warm up
        failures = 0
        with kit.progress(console) as bar:
            task = bar.add_task("offered rates", total=len(args.rates))
            for rate in args.rates:
                bar.update(task, description=f"{rate:g} complaints/s")
                before = await asyncio.to_thread(scrape, stack.state)
                backends = await backend_owners(stack.state.database_url)
                cpu_before = cpu_seconds(stack, backends)
                steal_before, started = psutil.cpu_times().steal, time.monotonic()
                traces = await open_loop(sender, rate, args.seconds)
                await drained(traces, DRAIN_TIMEOUT_S)
                steal = psutil.cpu_times().steal - steal_before
                backends |= await backend_owners(stack.state.database_url)
                cpu_after = cpu_seconds(stack, backends)
                row = summarise(traces, rate)
                # CPU the hypervisor gave to others (a shared VM): runs with much of it are slower.
                row["steal_cores"] = round(steal / (time.monotonic() - started), 3)
                row["cpu_ms_per_complaint"] = {
                    role: round(1000 * (cpu_after[role] - cpu_before.get(role, 0)) / len(traces), 2)
                    for role in cpu_after
                }
                row["consumers"] = consumer_split(
                    before, await asyncio.to_thread(scrape, stack.state)
                )
                row["sustained"] = sustained(row)
                rows.append(row)
                bar.advance(task)
                console.print(_line(row))
                failures = 0 if row["sustained"] else failures + 1
                if failures >= STOP_AFTER_FAILURES:
                    break
        result["max_sustained_per_s"] = max(
            (r["offered_per_s"] for r in rows if r["sustained"]), default=0
        )
        if args.burst:
            result["burst"] = await measure_burst(sender, args.burst)
    finally:
        await sender.close()
        await observer.stop()
    return result


async def measure_burst(sender: Sender, count: int) -> dict[str, Any]:
    with console.status(f"burst of {count} complaints"):
        traces, accept_s = await burst(sender, count)
    start = min(t.sent for t in traces)
    complete = await drained(traces, max(DRAIN_TIMEOUT_S, count / 20))
    done = [t for t in traces if t.seen is not None]
    drain_s = max((t.seen or 0) for t in done) - start if done else float("nan")
    row = {
        "complaints": count,
        "accepted": sum(t.status in (200, 201) for t in traces),
        "server_errors": sum((t.status or 0) >= 500 or t.status == 0 for t in traces),
        "errors_by_kind": dict(Counter(t.error for t in traces if t.error)),
        "accepted_per_s": round(count / accept_s, 1),
        "accept_ms": {
            "p50": ms(percentile([t.accepted - t.sent for t in traces if t.accepted], 0.5)),
            "p99": ms(percentile([t.accepted - t.sent for t in traces if t.accepted], 0.99)),
        },
        "recommended": len(done),
        "drained": complete,
        "drain_seconds": round(drain_s, 1),
        "drain_per_s": round(len(done) / drain_s, 1) if done else 0.0,
    }
    console.print(row)
    return row


def _line(row: dict[str, Any]) -> str:
    e, a, c = row["end_to_end_ms"], row["accept_ms"], row["consumers"]
    hops = " ".join(f"{h} {row['hops_ms'][h]['p50']:g}" for h in HOPS)
    waits = " ".join(f"{k} wait {v['wait_ms']:g}/handle {v['handling_ms']:g}" for k, v in c.items())
    mark = "[green]sustained[/]" if row["sustained"] else "[red]behind[/]"
    cpu = " ".join(f"{k} {v:g}" for k, v in row["cpu_ms_per_complaint"].items())
    return (
        f"{row['offered_per_s']:g}/s: {mark} e2e p50 {e['p50']:g} p99 {e['p99']:g} ms,"
        f" accept p99 {a['p99']:g} ms, {row['completed_per_s']:g}/s done;"
        f" hops p50 (ms) {hops}; {waits}; CPU ms/complaint {cpu}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="*", default=list(DEFAULT_RATES))
    parser.add_argument("--seconds", type=float, default=20.0, help="per offered rate")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds at 5/s first")
    parser.add_argument("--intake", choices=("http", "kafka"), default="http")
    parser.add_argument("--triage-workers", type=int, default=1)
    parser.add_argument("--encoder-threads", type=int, default=1)
    parser.add_argument("--burst", type=int, default=0, help="then send N at once and drain")
    parser.add_argument("--name", default="embedded")
    parser.add_argument("--data-dir", type=Path, help="reuse a stack's data (and its model)")
    args = parser.parse_args()
    stack = start_stack(args.data_dir, args.triage_workers, args.encoder_threads)
    try:
        result = uvloop.run(measure(args, stack))
    finally:
        stack.stop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"stack_latency_{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out.with_suffix(".png"))
    console.print(f"max sustained: {result['max_sustained_per_s']:g}/s → {out}")


if __name__ == "__main__":
    main()
