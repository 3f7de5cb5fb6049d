"""Triage's consumers: complaints are embedded and classified a poll at a time; officers'
corrections are kept as training data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial

import numpy as np
import numpy.typing as npt

from schemas.envelope import derived_event_id
from schemas.events import (
    ComplaintRecategorized,
    ComplaintSubmitted,
    ComplaintTriaged,
    TagEvidence,
)
from schemas.topics import COMPLAINT_RECATEGORIZED, COMPLAINT_SUBMITTED
from schemas.vocabulary import Priority
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery
from services.runtime.outbox import first_time
from services.triage.labels import store_correction
from services.triage.metrics import POLL_COMPLAINTS, POLL_STAGE_SECONDS
from services.triage.model import EMBED_BATCH, TriageResult
from services.triage.normalize import read_once
from services.triage.worker import ModelHolder

CONSUMER = "triage"
# Complaints taken from one poll and embedded together: batching is where the encoder's
# throughput comes from. A poll returns what is there, so a quiet stream still gets each
# complaint alone at once; only a backlog fills polls of 128, which the encoder, cut into
# batches of 8 after sorting by length, ran at 96% of the rate of one call over 640 texts
# (polls of 32: 90%; batches of 16 or 32 pad short complaints to long ones and lose more).
BATCH_SIZE = 128


def register(runtime: ServiceRuntime, holder: ModelHolder) -> None:
    runtime.bus.subscribe_batch(
        COMPLAINT_SUBMITTED, partial(on_submitted, runtime, holder), max_records=BATCH_SIZE
    )
    runtime.bus.subscribe(
        COMPLAINT_RECATEGORIZED, partial(on_corrected, runtime), group="labels", background=True
    )


async def on_submitted(
    runtime: ServiceRuntime, holder: ModelHolder, items: list[tuple[ComplaintSubmitted, Delivery]]
) -> None:
    events = [event for event, _ in items]
    POLL_COMPLAINTS.observe(len(events))
    loop = asyncio.get_running_loop()
    # Off the event loop, so heartbeats and /health stay answered.
    vectors, results = await loop.run_in_executor(holder.cpu, triage_batch, holder, events)
    with POLL_STAGE_SECONDS.labels("publish").time():
        await asyncio.gather(
            *(
                runtime.bus.publish(
                    triaged_event(event, result, vector, holder.embedder.version),
                    # Same input and model, same id: a replayed complaint is deduplicated.
                    event_id=derived_event_id(event.complaint_id, "triaged", result.model_version),
                    correlation_id=delivery.correlation_id,
                )
                for (event, delivery), vector, result in zip(items, vectors, results, strict=True)
            )
        )


async def on_corrected(
    runtime: ServiceRuntime, event: ComplaintRecategorized, delivery: Delivery
) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        if await first_time(conn, CONSUMER, delivery.event_id):
            await store_correction(conn, event)


def triage_batch(
    holder: ModelHolder, events: list[ComplaintSubmitted]
) -> tuple[npt.NDArray[np.float32], list[TriageResult]]:
    """Embed every text once, in one call, and classify them with one model version."""
    model = holder.model  # one model for the whole batch, even if a swap happens meanwhile
    texts = [event.text for event in events]
    # The encoder sorts one call's texts by length and pads each inner batch to its longest.
    with POLL_STAGE_SECONDS.labels("embed").time():
        vectors = holder.embedder.embed([read_once(t) for t in texts], batch_size=EMBED_BATCH)
    with POLL_STAGE_SECONDS.labels("classify").time():
        results = model.classify(
            texts,
            [e.sector.value for e in events],
            embeddings=vectors if model.embedding_model else None,
        )
    return vectors, results


def triaged_event(
    event: ComplaintSubmitted,
    result: TriageResult,
    vector: npt.NDArray[np.float32],
    embedding_version: str,
) -> ComplaintTriaged:
    """The triage of one complaint; one the worker marked an emergency is P1 and reviewed."""
    # The button is the worker's own word that it cannot wait, and a P1 runs its SLA clocks
    # around the clock; the model's P2 or P3 for the same words would leave it for Monday.
    # An officer reads it either way: the button may be pressed by mistake, and that is theirs
    # to lower. What the model read (category, tags, confidence) stays as it is.
    priority = Priority.P1 if event.emergency else result.priority
    return ComplaintTriaged(
        complaint_id=event.complaint_id,
        union_id=event.union_id,
        category=result.category,
        secondary=result.secondary,
        tags=result.tags,
        evidence=[TagEvidence(tag=tag, cue=cue) for tag, cue in result.evidence.items()],
        priority=priority,
        confidence=result.confidence,
        needs_review=result.needs_review or event.emergency,
        model_version=result.model_version,
        embedding=vector.tolist(),
        embedding_version=embedding_version,
        sector=event.sector,
        text=event.text,
        workplace=event.workplace,
        occurred_on=event.occurred_on,
        submitted_at=event.submitted_at,
        triaged_at=datetime.now(UTC),
    )
