"""A real Prometheus scrapes the feedback service; PromQL gives each union's p90 response time.

The feedback service runs as its own process (``aduan serve feedback``) against the test's broker,
database and topic prefix. The test registers two unions, submits complaints whose
``submitted_at`` lie known amounts in the past, triages some of them (so the histogram has several
``priority`` series per union), and answers each one once through the HTTP API. A Prometheus
started from Debian's ``prometheus`` package scrapes ``/metrics`` every second and loads the
project's rule files; the per-union p90 it computes from the scraped buckets must equal what
Prometheus's bucket interpolation gives for the ages the test caused.

The recording rules ``union:aduan_time_to_first_response_seconds:p90_7d`` & co. are in a group
evaluated every 5 minutes (``interval: 5m``) over ``rate(...[7d])``, which a one-minute test cannot
wait for, so the test checks that Prometheus loaded them and queries the raw histogram instead.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from schemas.events import (
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSubmitted,
    ComplaintTriaged,
    UnionRegistered,
)
from schemas.topics import (
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    UNION_REGISTERED,
)
from schemas.vocabulary import Category, Priority, Sector
from services.cli import app as cli_app
from services.feedback import report
from services.feedback.metrics import FIRST_RESPONSE_BUCKETS, HOUR
from services.runtime.tokens import hash_api_key, tracking_secret
from services.stack.embedded import free_port
from services.stack.supervisor import Child, child_env, stop_all, wait_healthy
from tests.conftest import TEST_HEARTBEAT_INTERVAL_MS, TEST_SESSION_TIMEOUT_MS
from tests.support import Infra, eventually

PROMETHEUS = shutil.which("prometheus")
RULES = Path(__file__).resolve().parents[2] / "deploy/prometheus/rules/aduan.rules.yml"
P90_RULE = "union:aduan_time_to_first_response_seconds:p90_7d"
METRIC = "aduan_time_to_first_response_seconds"
UNION_METRIC = "aduan_union_time_to_first_response_seconds"
KEYS = {"spn": "key-of-spn", "japbusi": "key-of-japbusi"}
TRACKING_KEY = "prometheus-test-tracking-key"
SCRAPE_INTERVAL_S = 1
# Service start (~5 s), group join (~2 s) and a few scrapes, with room for a slow CI machine.
WAIT_S = 30.0


@dataclass(frozen=True)
class Complaint:
    union_id: str
    age_hours: float
    priority: Priority | None  # None: never triaged, observed under priority="unknown"
    complaint_id: uuid.UUID

    @property
    def age_seconds(self) -> float:
        return self.age_hours * HOUR


def _complaints() -> list[Complaint]:
    # Ages sit well inside their buckets (1 h, 4 h, 24 h, 3 d, 7 d, ...), so the seconds between
    # submission here and the response below cannot move an observation across a bound.
    return [
        Complaint(union, hours, priority, uuid.uuid4())
        for union, hours, priority in [
            ("spn", 2, Priority.P1),
            ("spn", 3, Priority.P1),
            ("spn", 5, Priority.P1),
            ("spn", 8, Priority.P1),
            ("spn", 20, Priority.P1),
            ("spn", 30, Priority.P2),
            ("japbusi", 10, Priority.P1),
            ("japbusi", 30, Priority.P2),
            ("japbusi", 50, Priority.P3),
            ("japbusi", 100, Priority.P3),
            ("japbusi", 80, None),
        ]
    ]


def bucket_quantile(q: float, bounds: Sequence[float], observations: Sequence[float]) -> float:
    """What PromQL's ``histogram_quantile(q, ...)`` returns for these observations.

    Mirrors ``bucketQuantile`` of Prometheus (promql/quantile.go): find the first bucket whose
    cumulative count reaches ``q * total``, then interpolate linearly between its lower and upper
    bound (the lowest bucket starts at 0; a rank in the ``+Inf`` bucket gives the highest finite
    bound).
    """
    cumulative = [sum(1 for v in observations if v <= bound) for bound in bounds]
    rank = q * len(observations)
    for i, count in enumerate(cumulative):
        if count >= rank:
            lower = bounds[i - 1] if i > 0 else 0.0
            below = cumulative[i - 1] if i > 0 else 0
            return lower + (bounds[i] - lower) * (rank - below) / (count - below)
    return bounds[-1]


def _metric_total(text: str, name: str, **labels: str) -> float:
    """Sum of the samples ``name`` in a /metrics page whose labels end with the given values."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
        and all(sample.labels.get(k, "").endswith(v) for k, v in labels.items())
    )


@dataclass
class PrometheusServer:
    url: str
    log_path: Path

    async def query(self, http: httpx.AsyncClient, promql: str, at: float | None = None) -> Any:
        params: dict[str, str | float] = {"query": promql}
        if at is not None:
            params["time"] = at
        response = await http.get(f"{self.url}/api/v1/query", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@dataclass
class FeedbackProcess:
    child: Child
    infra: Infra
    complaints: list[Complaint]
    # When the complaints' ages were taken: each observation is its age plus the time since.
    aged_at: datetime

    async def metrics(self, http: httpx.AsyncClient) -> str:
        return (await http.get(f"{self.child.url}/metrics")).text

    async def wait_handled(self, http: httpx.AsyncClient, topic: str, count: int) -> None:
        """Wait until the service has handled ``count`` events of ``topic`` (its own counter)."""

        async def handled() -> bool:
            text = await self.metrics(http)
            total = _metric_total(
                text, "aduan_events_consumed_total", topic=topic, outcome="handled"
            )
            return total >= count

        await eventually(handled, timeout=WAIT_S)

    def log_tail(self) -> str:
        return self.child.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture()
def feedback_port() -> int:
    return free_port()


@pytest.fixture()
def prometheus(feedback_port: int, tmp_path: Path) -> Iterator[PrometheusServer]:
    """Debian's ``prometheus`` scraping the feedback port every second, with the project's rules."""
    assert PROMETHEUS is not None
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"""\
global:
  scrape_interval: {SCRAPE_INTERVAL_S}s
  evaluation_interval: {SCRAPE_INTERVAL_S}s
rule_files:
  - "{RULES}"
scrape_configs:
  - job_name: feedback
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:{feedback_port}"]
"""
    )
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = PrometheusServer(f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            assert process.poll() is None, f"prometheus exited:\n{server.log_tail()}"
            try:
                if httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"prometheus not ready:\n{server.log_tail()}"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _feedback_child(infra: Infra, port: int, log: Path, **settings: str) -> Child:
    """`aduan serve feedback` on this test's broker, database and topics, its outbox quick."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "DATABASE_URL": infra.database_url,
        "ADUAN_TOPIC_PREFIX": infra.prefix,
        "ADUAN_CONSUMER_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS),
        "ADUAN_CONSUMER_HEARTBEAT_INTERVAL_MS": str(TEST_HEARTBEAT_INTERVAL_MS),
        "ADUAN_TRACKING_KEY": TRACKING_KEY,
        "ADUAN_OUTBOX_POLL_SECONDS": "0.2",
        "ADUAN_HTTP_PORT": str(port),
    }
    return Child("feedback", port, child_env({**env, **settings}), log)


@pytest.fixture()
async def feedback(
    kafka_bootstrap: str,
    database_url: str,
    topic_prefix: str,
    feedback_port: int,
    tmp_path: Path,
) -> AsyncIterator[FeedbackProcess]:
    """``aduan serve feedback`` as a process that knows both unions and the complaints.

    Triage events are published only after the service has stored every submission: it consumes
    the topics independently, and a triage event applied before its submission would be lost.
    """
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    now = datetime.now(UTC)
    for union_id, key in KEYS.items():
        union = UnionRegistered(
            union_id=union_id,
            name=union_id.upper(),
            api_key_hash=hash_api_key(key),
            registered_at=now,
        )
        await infra.publish(union)
    complaints = _complaints()
    for i, c in enumerate(complaints):
        submitted = ComplaintSubmitted(
            complaint_id=c.complaint_id,
            union_id=c.union_id,
            tracking_code=f"ADU-PROM-TEST-{i:04d}",
            channel="app",
            sector=Sector.GARMENT,
            kind="complaint",
            text="lembur tidak dibayar sudah tiga bulan",
            language="id",
            member=True,
            anonymous=False,
            workplace=None,
            occurred_on=None,
            submitted_at=now - timedelta(seconds=c.age_seconds),
        )
        await infra.publish(submitted)

    child = _feedback_child(infra, feedback_port, tmp_path / "feedback.log")
    child.start()
    under_test = FeedbackProcess(child, infra, complaints, now)
    try:
        late = await asyncio.to_thread(wait_healthy, [child], 60)
        assert not late, f"feedback did not become healthy:\n{under_test.log_tail()}"
        async with httpx.AsyncClient(timeout=10) as http:
            await under_test.wait_handled(http, COMPLAINT_SUBMITTED.name, len(complaints))
            triaged = [c for c in complaints if c.priority is not None]
            for c in triaged:
                assert c.priority is not None
                event = ComplaintTriaged(
                    complaint_id=c.complaint_id,
                    union_id=c.union_id,
                    category=Category.OVERTIME,
                    secondary=[],
                    tags=[],
                    priority=c.priority,
                    confidence=0.9,
                    needs_review=False,
                    model_version="test",
                    embedding=[1.0] + [0.0] * 383,
                    embedding_version="test",
                    sector=Sector.GARMENT,
                    text="lembur tidak dibayar sudah tiga bulan",
                    submitted_at=now - timedelta(seconds=c.age_seconds),
                    triaged_at=now - timedelta(seconds=c.age_seconds) + timedelta(seconds=30),
                )
                await infra.publish(event)
            await under_test.wait_handled(http, COMPLAINT_TRIAGED.name, len(triaged))
        yield under_test
    finally:
        await asyncio.to_thread(stop_all, [child])


@pytest.mark.skipif(PROMETHEUS is None, reason="the `prometheus` binary is not on PATH")
class TestPrometheusScrapesFeedback:
    """Prometheus scrapes the running feedback service; PromQL's per-union p90 is what we caused."""

    async def test_per_union_p90_time_to_first_response(
        self, prometheus: PrometheusServer, feedback: FeedbackProcess
    ) -> None:
        complaints = feedback.complaints
        unions = sorted(KEYS)
        async with httpx.AsyncClient(timeout=10) as http:
            # The project's rules load into a real Prometheus, the p90 recording rule among them.
            rules = (await http.get(f"{prometheus.url}/api/v1/rules")).json()["data"]["groups"]
            loaded = {r["name"]: r for g in rules for r in g["rules"]}
            assert P90_RULE in loaded, sorted(loaded)
            assert loaded[P90_RULE]["health"] != "err", loaded[P90_RULE]

            async def target_up() -> bool:
                data = await prometheus.query(http, 'up{job="feedback"}')
                return [s["value"][1] for s in data["result"]] == ["1"]

            await eventually(target_up, timeout=WAIT_S)

            for c in complaints:
                url = f"{feedback.child.url}/v1/complaints/{c.complaint_id}/responses"
                response = await http.post(
                    url,
                    headers={"X-API-Key": KEYS[c.union_id]},
                    json={"officer": "Rina", "message": "kami proses"},
                )
                assert response.status_code == 201, response.text
                assert response.json()["first_response"] is True
            since_aged = (datetime.now(UTC) - feedback.aged_at).total_seconds()

            expected_counts = {u: sum(c.union_id == u for c in complaints) for u in unions}

            # Wait until one scrape holds every observation, then evaluate everything at the
            # timestamp of that result, so all queries see the same scrape.
            async def all_scraped() -> float | None:
                data = await prometheus.query(http, f"sum by (union) ({UNION_METRIC}_count)")
                counts = {s["metric"]["union"]: float(s["value"][1]) for s in data["result"]}
                if counts != expected_counts:
                    return None
                return float(data["result"][0]["value"][0])

            try:
                at = await eventually(all_scraped, timeout=WAIT_S)
            except AssertionError as exc:
                raise AssertionError(
                    f"{exc}\n--- feedback log\n{feedback.log_tail()}"
                    f"\n--- prometheus log\n{prometheus.log_tail()}"
                ) from exc

            # Per priority, only the group of five shows; the four smaller ones do not.
            by_priority = await prometheus.query(
                http, f"sum by (union, priority) ({METRIC}_count)", at
            )
            assert {
                (s["metric"]["union"], s["metric"]["priority"]): float(s["value"][1])
                for s in by_priority["result"]
            } == {("spn", "P1"): 5.0}

            sums = await prometheus.query(http, f"sum by (union) ({UNION_METRIC}_sum)", at)
            observed_sums = {s["metric"]["union"]: float(s["value"][1]) for s in sums["result"]}
            for union in unions:
                ages = sum(c.age_seconds for c in complaints if c.union_id == union)
                slack = expected_counts[union] * since_aged
                assert ages <= observed_sums[union] <= ages + slack, (union, observed_sums)

            p90 = await prometheus.query(
                http, f"histogram_quantile(0.9, sum by (union, le) ({UNION_METRIC}_bucket))", at
            )
            observed_p90 = {s["metric"]["union"]: float(s["value"][1]) for s in p90["result"]}
            expected_p90 = {
                u: bucket_quantile(
                    0.9,
                    FIRST_RESPONSE_BUCKETS,
                    [c.age_seconds for c in complaints if c.union_id == u],
                )
                for u in unions
            }
            assert observed_p90 == pytest.approx(expected_p90, rel=1e-9)


# -- Done when: Prometheus, the stats API and the monthly report agree, per union --------------
#
# Two unions' complaints of February 2025 (Jakarta time) go through response, resolution,
# breach, reopening and rating: lifecycle events are published to the real broker with their
# real (past) timestamps, officers' and workers' actions go through the HTTP API, and the
# feedback process's own breach job (every second) finds the clocks still running past their
# deadline. Responses and resolutions are published before the triage, so the job never sees a
# clock as running that the test will stop (the triage then judges the stopped clocks).

WIB = ZoneInfo("Asia/Jakarta")
MONTH = "2025-02"
PERIOD = {"from": "2025-02-01", "to": "2025-02-28"}
FEDERATION = "KSPI"


@dataclass(frozen=True)
class Case:
    union_id: str
    priority: Priority
    submitted: datetime
    response_h: float
    resolution_h: float | None  # None: still open (its resolution clock runs out)
    complaint_id: uuid.UUID
    code: str


def feb(day: int, hour: int) -> datetime:
    return datetime(2025, 2, day, hour, tzinfo=WIB)  # 3 Feb 2025 is a Monday


def _cases() -> list[Case]:
    P1, P2, P3 = Priority.P1, Priority.P2, Priority.P3
    rows: list[tuple[str, Priority, datetime, float, float | None]] = [
        # spn: Mon-Fri 08-17, its P2 first-response target set to 4 working hours.
        ("spn", P1, feb(3, 10), 5, 48),
        ("spn", P1, feb(4, 10), 6, 48),
        ("spn", P2, feb(3, 10), 8, 100),  # due Mon 14:00, answered 18:00: breach
        ("spn", P2, feb(3, 16), 16, 100),  # due Tue 11:00 (1 h Mon + 3 h Tue): met at 08:00
        ("spn", P2, feb(5, 9), 10, None),  # due Wed 13:00, answered 19:00: breach
        ("spn", P3, feb(6, 9), 12, None),
        ("spn", P3, feb(7, 9), 14, None),
        ("spn", P2, feb(7, 16), 20, None),  # Sat 12:00 is before Mon 11:00: met
        ("spn", P1, feb(8, 10), 22, 48),  # P1 runs around the clock: 22 h < 24 h
        ("spn", P3, feb(10, 10), 22, None),
        # japbusi: Monday to Saturday, default targets.
        ("japbusi", P1, feb(3, 10), 30, 72),  # P1 24 h around the clock: breach
        ("japbusi", P2, feb(7, 9), 40, 120),
        ("japbusi", P2, feb(8, 9), 50, 120),
        ("japbusi", P3, feb(3, 9), 60, 200),
        ("japbusi", P2, feb(3, 9), 67.2, 120),
        ("japbusi", P3, feb(4, 9), 67.2, None),  # resolved late through the API, then reopened
    ]
    return [
        Case(u, p, at, r, res, (cid := uuid.uuid4()), f"ADU-DONE-{i:04d}-{cid.hex[:4].upper()}")
        for i, (u, p, at, r, res) in enumerate(rows)
    ]


# spn: first responses in (4 h, 24 h]: PromQL's p90 interpolates 4 + 20 * 9/10 = 22 h, and the
# exact p90 of [5, 6, 8, 10, 12, 14, 16, 20, 22, 22] is 22 h too. japbusi: (24 h, 72 h], rank
# 5.4 of 6: 24 + 48 * 0.9 = 67.2 h, the exact p90 of [30, 40, 50, 60, 67.2, 67.2].
@dataclass(frozen=True)
class Expected:
    complaints: int
    breaches: dict[str, int]
    ratings: tuple[int, float]  # count, mean
    reopens: int
    p90_hours: float


EXPECTED = {
    # 2 late first responses; the resolution clocks of the 5 never resolved ran out.
    "spn": Expected(10, {"first_response": 2, "resolution": 5}, (5, 3.6), 0, 22.0),
    # 1 late P1 first response; 1 resolution months late through the API (then reopened).
    "japbusi": Expected(6, {"first_response": 1, "resolution": 1}, (5, 4.0), 1, 67.2),
}
SCORES = {"spn": [5, 4, 4, 3, 2], "japbusi": [5, 5, 4, 4, 2]}


@dataclass
class DoneWhen:
    child: Child
    infra: Infra
    cases: list[Case]

    def log_tail(self) -> str:
        return self.child.log_path.read_text(errors="replace")[-3000:]

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(cli_app, [*args, "--database-url", self.infra.database_url])


@pytest.fixture()
async def done_when(
    kafka_bootstrap: str,
    database_url: str,
    topic_prefix: str,
    feedback_port: int,
    tmp_path: Path,
) -> AsyncIterator[DoneWhen]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    # The breach job runs every second, so a clock past its deadline is seen at once.
    child = _feedback_child(
        infra, feedback_port, tmp_path / "feedback.log", ADUAN_SLA_SCAN_SECONDS="1"
    )
    child.start()
    under_test = DoneWhen(child, infra, _cases())
    try:
        late = await asyncio.to_thread(wait_healthy, [child], 60)
        assert not late, f"feedback did not become healthy:\n{under_test.log_tail()}"
        yield under_test
    finally:
        await asyncio.to_thread(stop_all, [child])


@pytest.mark.skipif(PROMETHEUS is None, reason="the `prometheus` binary is not on PATH")
class TestSameFiguresEverywhere:
    """Done when: Prometheus, GET /v1/unions/{id}/stats and the report show the same figures."""

    async def test_counts_breaches_ratings_reopens_and_p90_agree(
        self, prometheus: PrometheusServer, done_when: DoneWhen, tmp_path: Path
    ) -> None:
        infra = done_when.infra
        base = done_when.child.url
        async with httpx.AsyncClient(timeout=10) as http:
            metrics = FeedbackProcess(done_when.child, infra, [], datetime.now(UTC))
            try:
                await self._drive(http, metrics, done_when)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n--- feedback log\n{done_when.log_tail()}") from exc

            # Every breach the job and the handlers published has been counted in /metrics.
            want = {(u, c): n for u, e in EXPECTED.items() for c, n in e.breaches.items()}

            async def counted() -> dict[tuple[str, str], float]:
                text = await metrics.metrics(http)
                return {
                    key: _metric_total(text, "aduan_sla_breaches_total", union=key[0], clock=key[1])
                    for key in want
                }

            async def all_breaches_counted() -> bool:
                return await counted() == want

            try:
                await eventually(all_breaches_counted, timeout=WAIT_S)
            except AssertionError:
                assert await counted() == want, done_when.log_tail()

            # -- Prometheus: one scrape that holds everything, all queries at its timestamp.
            async def scraped() -> float | None:
                data = await prometheus.query(
                    http, 'sum by (union) (aduan_sla_breaches_total{union=~"spn|japbusi"})'
                )
                got = {s["metric"]["union"]: float(s["value"][1]) for s in data["result"]}
                want = {u: float(sum(e.breaches.values())) for u, e in EXPECTED.items()}
                ratings = await prometheus.query(http, "sum by (union) (aduan_rating_score_count)")
                rated = {s["metric"]["union"]: float(s["value"][1]) for s in ratings["result"]}
                if got != want or rated != {u: 5.0 for u in EXPECTED}:
                    return None
                return float(data["result"][0]["value"][0])

            at = await eventually(scraped, timeout=WAIT_S)

            async def by_union(promql: str) -> dict[str, float]:
                data = await prometheus.query(http, promql, at)
                return {s["metric"]["union"]: float(s["value"][1]) for s in data["result"]}

            prom = {
                "complaints": await by_union(
                    "sum by (union) (aduan_union_complaints_triaged_total)"
                ),
                "responded": await by_union(f"sum by (union) ({UNION_METRIC}_count)"),
                "rating_count": await by_union("sum by (union) (aduan_rating_score_count)"),
                "rating_sum": await by_union("sum by (union) (aduan_rating_score_sum)"),
                "reopens": await by_union(
                    'sum by (union) (aduan_complaints_reopened_total{union=~"spn|japbusi"})'
                ),
                "p90": await by_union(
                    f"histogram_quantile(0.9, sum by (union, le) ({UNION_METRIC}_bucket))"
                ),
            }
            breaches = await prometheus.query(
                http, "sum by (union, clock) (aduan_sla_breaches_total)", at
            )
            prom_breaches = {
                (s["metric"]["union"], s["metric"]["clock"]): float(s["value"][1])
                for s in breaches["result"]
            }

            for union, expected in EXPECTED.items():
                # -- the stats API, with the union's own key
                response = await http.get(
                    f"{base}/v1/unions/{union}/stats", params=PERIOD, headers=_key(union)
                )
                assert response.status_code == 200, response.text
                stats = response.json()
                # -- the monthly report, written by the CLI
                out = tmp_path / f"{union}.html"
                result = await asyncio.to_thread(
                    done_when.cli, "report", "--union", union, "--month", MONTH, "--out", str(out)
                )
                assert result.exit_code == 0, result.output
                page = out.read_text(encoding="utf-8")

                count, mean = expected.ratings
                n = expected.complaints
                fr, res = expected.breaches["first_response"], expected.breaches["resolution"]
                p90_h = expected.p90_hours

                # complaints
                assert prom["complaints"][union] == prom["responded"][union] == n
                assert stats["volumes"]["total"] == stats["volumes"]["responded"] == n
                assert f"<b>{n}</b>aduan masuk" in page
                # breaches, per clock
                assert prom_breaches[(union, "first_response")] == fr
                assert prom_breaches[(union, "resolution")] == res
                assert stats["sla"]["breaches"] == {
                    "first_response": fr, "resolution": res, "total": fr + res,
                }  # fmt: skip
                assert f"<b>{fr} / {res}</b>pelanggaran SLA" in page
                # ratings
                assert prom["rating_count"][union] == count
                assert prom["rating_sum"][union] / prom["rating_count"][union] == mean
                assert (stats["satisfaction"]["count"], stats["satisfaction"]["mean_score"]) == (
                    count,
                    mean,
                )
                assert f"{count} penilaian, rata-rata {report.number(mean)} / 5" in page
                # reopened
                assert prom["reopens"][union] == expected.reopens
                assert stats["volumes"]["reopens"] == expected.reopens
                assert f"<b>{expected.reopens}</b>dibuka kembali" in page
                # p90 time to first response
                assert prom["p90"][union] == pytest.approx(p90_h * HOUR, rel=1e-9)
                assert stats["first_response_hours"]["p90"] == p90_h
                assert f"<b>{report.number(p90_h)} jam</b>p90 tanggapan pertama" in page

            # The unions' own calendars were used (spn's 4 h P2 target, japbusi's Saturdays).
            spn = (await http.get(f"{base}/v1/unions/spn/sla", headers=_key("spn"))).json()
            assert spn["targets"]["first_response"]["P2"]["hours"] == 4
            japbusi = (
                await http.get(f"{base}/v1/unions/japbusi/sla", headers=_key("japbusi"))
            ).json()
            assert japbusi["workdays"][-1] == "sat"

    async def _drive(self, http: httpx.AsyncClient, metrics: FeedbackProcess, dw: DoneWhen) -> None:
        infra, cases, base = dw.infra, dw.cases, dw.child.url
        for union_id, key in KEYS.items():
            await infra.publish(
                UnionRegistered(
                    union_id=union_id, name=union_id.upper(), federation=FEDERATION,
                    api_key_hash=hash_api_key(key), registered_at=datetime.now(UTC),
                )
            )  # fmt: skip
        await metrics.wait_handled(http, UNION_REGISTERED.name, len(KEYS))
        for args in (
            ["--union", "spn", "--target", "first_response.P2=4h"],
            ["--union", "japbusi", "--workdays", "mon-sat"],
        ):
            result = await asyncio.to_thread(dw.cli, "sla", "set", "--officer", "test", *args)
            assert result.exit_code == 0, result.output

        text = "lembur tidak dibayar sudah tiga bulan"
        for c in cases:
            await infra.publish(
                ComplaintSubmitted(
                    complaint_id=c.complaint_id, union_id=c.union_id, tracking_code=c.code,
                    channel="app", sector=Sector.GARMENT, kind="complaint", text=text,
                    language="id", member=True, anonymous=False, workplace=None,
                    occurred_on=None, submitted_at=c.submitted,
                )
            )  # fmt: skip
        await metrics.wait_handled(http, COMPLAINT_SUBMITTED.name, len(cases))
        resolved = [c for c in cases if c.resolution_h is not None]
        for c in cases:
            await infra.publish(
                ComplaintResponded(
                    complaint_id=c.complaint_id, union_id=c.union_id, response_id=uuid.uuid4(),
                    officer="Rina", message="kami proses", first_response=True,
                    responded_at=c.submitted + timedelta(hours=c.response_h),
                )
            )  # fmt: skip
        for c in resolved:
            assert c.resolution_h is not None
            await infra.publish(
                ComplaintResolved(
                    complaint_id=c.complaint_id, union_id=c.union_id, officer="Rina",
                    outcome="resolved", actions_taken=["bipartite_negotiation"],
                    days_to_resolve=c.resolution_h / 24,
                    resolved_at=c.submitted + timedelta(hours=c.resolution_h),
                )
            )  # fmt: skip
        await metrics.wait_handled(http, COMPLAINT_RESPONDED.name, len(cases))
        await metrics.wait_handled(http, COMPLAINT_RESOLVED.name, len(resolved))
        for c in cases:
            await infra.publish(
                ComplaintTriaged(
                    complaint_id=c.complaint_id, union_id=c.union_id, category=Category.OVERTIME,
                    secondary=[], tags=[], priority=c.priority, confidence=0.9,
                    needs_review=False, model_version="test", embedding=[1.0] + [0.0] * 383,
                    embedding_version="test", sector=Sector.GARMENT, text=text,
                    submitted_at=c.submitted, triaged_at=c.submitted + timedelta(seconds=30),
                )
            )  # fmt: skip
        await metrics.wait_handled(http, COMPLAINT_TRIAGED.name, len(cases))

        # japbusi's last complaint: resolved now through the API (months late), then reopened
        # by the worker, who says it is not fixed.
        last = cases[-1]
        url = f"{base}/v1/complaints/{last.complaint_id}/resolution"
        body = {"officer": "Rina", "outcome": "resolved", "actions_taken": ["collect_evidence"]}
        response = await http.post(url, json=body, headers=_key(last.union_id))
        assert response.status_code == 201, response.text
        secret = tracking_secret(TRACKING_KEY, last.code)
        reopen = {"secret": secret, "reasons": ["basis masih dinaikkan"]}
        response = await http.post(f"{base}/v1/track/{last.code}/reopen", json=reopen)
        assert response.status_code == 201, response.text

        # Five ratings per union, by the workers (tracking code and secret).
        for union_id, scores in SCORES.items():
            mine = [c for c in cases if c.union_id == union_id]
            for c, score in zip(mine, scores, strict=False):
                rating = {
                    "secret": tracking_secret(TRACKING_KEY, c.code), "score": score,
                    "fixed": "fixed" if score > 2 else "not_fixed",
                    "reasons": [] if score > 2 else ["lambat"],
                }  # fmt: skip
                response = await http.post(f"{base}/v1/track/{c.code}/rating", json=rating)
                assert response.status_code == 201, response.text


def _key(union_id: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[union_id]}
