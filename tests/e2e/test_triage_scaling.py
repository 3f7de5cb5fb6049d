"""Triage scales by processes in one consumer group, and a worker killed mid-stream loses nothing.

Intake and two triage workers run as separate processes on the real broker and database; a stream
of complaints is posted to intake; one worker is killed with SIGKILL while it has work in hand and
a third one is started. Every complaint must end up triaged exactly once in intake's read model
(the timeline), whichever worker handled it and however often it was redelivered.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.intake.cli import register
from services.stack.supervisor import Child, stop_all, wait_healthy
from services.triage.offline.generator import generate
from tests.conftest import TEST_SESSION_TIMEOUT_MS
from tests.e2e.conftest import START_TIMEOUT_S, log_tails, service_env, start_service
from tests.support import Infra, eventually

TRACKING_KEY = "e2e-scaling-tracking-key"
# About 120 complaints in all: 40 paced, a burst of 20 right before the kill, 40 while the third
# worker starts, and the rest until the third worker has handled some.
PACED = 40
BURST = 20
AT_LEAST = 120
AT_MOST = 200
PACE_S = 0.2
KILL_AFTER_S = 0.6
# Rebalances after a kill: eviction after the session timeout, then a join of several seconds.
REBALANCE_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 90.0

HANDLED = re.compile(
    r'^aduan_events_consumed_total\{(?=[^}]*outcome="handled")(?=[^}]*service="triage")'
    r'(?=[^}]*topic="aduan\.complaint\.submitted\.v1")[^}]*\}\s+([0-9.e+]+)$',
    re.MULTILINE,
)


@dataclass
class Cluster:
    """Intake plus triage workers sharing one topic prefix (so one consumer group)."""

    infra: Infra
    env: dict[str, str]
    logs: Path
    api_key: str
    intake: Child
    workers: list[Child] = field(default_factory=list)

    def start_worker(self) -> Child:
        log = self.logs / f"triage-{len(self.workers) + 1}.log"
        worker = start_service("triage", self.env, log)
        self.workers.append(worker)
        return worker

    def children(self) -> list[Child]:
        return [self.intake, *self.workers]


@pytest.fixture()
async def cluster(
    kafka_bootstrap: str,
    database_url: str,
    topic_prefix: str,
    model_dir: Path,
    tmp_path: Path,
) -> AsyncIterator[Cluster]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    api_key = (await register(database_url, "spn", "SPN")).api_key
    # No healing re-publish during the test: a lost complaint must show as lost.
    env = service_env(
        infra,
        model_dir,
        TRACKING_KEY,
        ADUAN_STUCK_AFTER_SECONDS="3600",
        ADUAN_STUCK_CHECK_SECONDS="3600",
    )
    intake = start_service("intake", env, tmp_path / "intake.log")
    running = Cluster(infra, env, tmp_path, api_key, intake)
    running.start_worker()
    running.start_worker()
    try:
        late = await asyncio.to_thread(wait_healthy, running.children(), START_TIMEOUT_S)
        assert not late, log_tails(late)
        yield running
    finally:
        stop_all([c for c in running.children() if c.alive()])


async def _handled(http: httpx.AsyncClient, worker: Child) -> int:
    """Submitted events this worker handled, from its /metrics (0 when it does not answer)."""
    try:
        text = (await http.get(f"{worker.url}/metrics")).text
    except httpx.HTTPError:
        return 0
    return int(sum(float(m) for m in HANDLED.findall(text)))


async def _triaged_delivered(http: httpx.AsyncClient, intake: Child) -> int:
    text = (await http.get(f"{intake.url}/metrics")).text
    pattern = (
        r'^aduan_events_consumed_total\{(?=[^}]*outcome="handled")'
        r'(?=[^}]*topic="aduan\.complaint\.triaged\.v1")[^}]*\}\s+([0-9.e+]+)$'
    )
    return int(sum(float(m) for m in re.findall(pattern, text, re.MULTILINE)))


class Submitter:
    """Posts generated complaints to intake one after another and remembers their ids."""

    def __init__(self, http: httpx.AsyncClient, intake: Child, api_key: str) -> None:
        self.http = http
        self.url = f"{intake.url}/v1/complaints"
        self.headers = {"X-API-Key": api_key}
        self.examples = generate(AT_MOST, seed=20)
        self.ids: list[str] = []

    async def submit(self, count: int, pace: float = PACE_S) -> None:
        for _ in range(count):
            example = self.examples[len(self.ids)]
            response = await self.http.post(
                self.url,
                headers=self.headers,
                json={
                    "text": example.text,
                    "sector": example.sector.value if example.sector else "other",
                    "idempotency_key": f"scaling-{len(self.ids)}",
                },
            )
            assert response.status_code == 201, response.text
            self.ids.append(response.json()["complaint_id"])
            if pace:
                await asyncio.sleep(pace)

    async def submit_until(self, done: Callable[[], object], *, at_least: int) -> None:
        """Keep the stream going until `done()` is true and `at_least` were sent in all."""
        deadline = time.monotonic() + REBALANCE_TIMEOUT_S
        while len(self.ids) < AT_MOST and time.monotonic() < deadline:
            finished = done()
            if asyncio.iscoroutine(finished):
                finished = await finished
            if finished and len(self.ids) >= at_least:
                return
            await self.submit(1)


async def _triaged_counts(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT complaint_id, count(*) AS n FROM intake.timeline"
            " WHERE kind = 'triaged' GROUP BY 1"
        )
    finally:
        await conn.close()
    return {str(r["complaint_id"]): int(r["n"]) for r in rows}


class TestTriageWorkersScaleAndFailOver:
    """Two workers share the stream; one is SIGKILLed, a third joins; none lost or doubled."""

    async def test_every_complaint_is_triaged_exactly_once_across_a_kill_and_a_scale_out(
        self, cluster: Cluster
    ) -> None:
        first, second = cluster.workers
        async with httpx.AsyncClient(timeout=30) as http:
            submitter = Submitter(http, cluster.intake, cluster.api_key)

            # Both initial workers in the group, each owning some partitions.
            async def both_working() -> bool:
                return await _handled(http, first) > 0 and await _handled(http, second) > 0

            await submitter.submit(PACED)
            await submitter.submit_until(both_working, at_least=PACED)
            assert await both_working(), (
                "both initial workers handled complaints: "
                + str([await _handled(http, w) for w in (first, second)])
                + log_tails(cluster.workers)
            )

            # A burst, then SIGKILL while the first worker is likely embedding its share of it
            # (the outbox relay publishes within 0.2 s; a poll's embedding takes longer than
            # the rest of the wait). Its uncommitted events go to the survivors.
            await submitter.submit(BURST, pace=0)
            await asyncio.sleep(KILL_AFTER_S)
            assert first.process is not None
            first.process.kill()
            first.process.wait()
            third = cluster.start_worker()

            # The stream goes on while the third worker starts and joins.
            await submitter.submit(PACED)
            healthy = await asyncio.to_thread(wait_healthy, [third], START_TIMEOUT_S)
            assert not healthy, log_tails([third])

            async def third_working() -> bool:
                return await _handled(http, third) > 0

            await submitter.submit_until(third_working, at_least=AT_LEAST)

            ids = submitter.ids

            async def all_triaged() -> dict[str, int] | None:
                counts = await _triaged_counts(cluster.infra.database_url)
                return counts if set(ids) <= set(counts) else None

            try:
                await eventually(all_triaged, timeout=DRAIN_TIMEOUT_S, interval=0.5)
            except AssertionError:
                counts = await _triaged_counts(cluster.infra.database_url)
                missing = [i for i in ids if i not in counts]
                raise AssertionError(
                    f"{len(missing)} of {len(ids)} complaints never triaged: {missing[:5]}\n"
                    + log_tails([second, third])
                ) from None
            # Redeliveries after the kill may still be in flight: let them land, then count.
            await asyncio.sleep(2 * TEST_SESSION_TIMEOUT_MS / 1000)
            counts = await _triaged_counts(cluster.infra.database_url)
            handled = {w.log_path.name: await _handled(http, w) for w in (second, third)}
            delivered = await _triaged_delivered(http, cluster.intake)
        # Informative (-s): more triaged events than complaints means the kill caused
        # redeliveries, and the read model had to drop the copies.
        print(f"{len(ids)} complaints, {delivered} triaged events consumed by intake, {handled}")

        assert set(counts) == set(ids), "every complaint, and only these, triaged"
        doubled = {i: n for i, n in counts.items() if n != 1}
        assert not doubled, f"complaints with more than one triaged entry: {doubled}"
        assert all(n > 0 for n in handled.values()), f"both survivors worked: {handled}"
