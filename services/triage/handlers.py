"""Triage's consumer: each submitted complaint is embedded once, classified, and announced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from schemas.envelope import derived_event_id
from schemas.events import ComplaintSubmitted, ComplaintTriaged, TagEvidence
from schemas.topics import COMPLAINT_SUBMITTED
from services.runtime.http import ServiceRuntime
from services.runtime.messaging import Delivery
from services.triage.model import TriageResult
from services.triage.worker import ModelHolder


def register(runtime: ServiceRuntime, holder: ModelHolder) -> None:
    async def on_submitted(event: ComplaintSubmitted, delivery: Delivery) -> None:
        # Both steps are CPU-bound: off the event loop, so heartbeats and /health stay answered.
        vector, result = await asyncio.to_thread(_triage, holder, event)
        triaged = triaged_event(event, result, vector, holder.embedder.version)
        await runtime.bus.publish(
            triaged,
            # Same input and model give the same id, so a replayed complaint is deduplicated.
            event_id=derived_event_id(event.complaint_id, "triaged", result.model_version),
            correlation_id=delivery.correlation_id,
        )

    runtime.bus.subscribe(COMPLAINT_SUBMITTED, on_submitted)


def _triage(
    holder: ModelHolder, event: ComplaintSubmitted
) -> tuple[npt.NDArray[np.float32], TriageResult]:
    model = holder.model  # one model for the whole event, even if a swap happens meanwhile
    vectors = holder.embedder.embed([event.text])
    [result] = model.classify([event.text], [event.sector.value], embeddings=vectors)
    return vectors[0], result


def triaged_event(
    event: ComplaintSubmitted,
    result: TriageResult,
    vector: npt.NDArray[np.float32],
    embedding_version: str,
) -> ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=event.complaint_id,
        union_id=event.union_id,
        category=result.category,
        secondary=result.secondary,
        tags=result.tags,
        evidence=[TagEvidence(tag=tag, cue=cue) for tag, cue in result.evidence.items()],
        priority=result.priority,
        confidence=result.confidence,
        needs_review=result.needs_review,
        model_version=result.model_version,
        embedding=[float(x) for x in vector],
        embedding_version=embedding_version,
        sector=event.sector,
        text=event.text,
        workplace=event.workplace,
        submitted_at=event.submitted_at,
        triaged_at=datetime.now(UTC),
    )
