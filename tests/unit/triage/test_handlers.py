"""The triaged event triage publishes: the model's reading, and the worker's emergency button."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from schemas.events import ComplaintSubmitted
from schemas.vocabulary import Category, Priority, Sector, Tag
from services.triage.handlers import triaged_event
from services.triage.model import TriageResult

VECTOR = np.zeros(4, dtype=np.float32)


def submitted(*, emergency: bool) -> ComplaintSubmitted:
    return ComplaintSubmitted(
        complaint_id=uuid.uuid4(),
        union_id="spn",
        tracking_code="ADU-TEST-0001",
        channel="app",
        sector=Sector.GARMENT,
        kind="complaint",
        text="lembur tidak dibayar sudah tiga bulan",
        language="id",
        member=True,
        anonymous=False,
        workplace=None,
        occurred_on=None,
        submitted_at=datetime.now(UTC),
        emergency=emergency,
    )


def result(priority: Priority, *, needs_review: bool = False) -> TriageResult:
    return TriageResult(
        category=Category.OVERTIME,
        secondary=[Category.WAGES_MINIMUM_WAGE],
        tags=[Tag.MONEY_AMOUNT_STATED],
        evidence={Tag.MONEY_AMOUNT_STATED: "tiga bulan"},
        priority=priority,
        confidence=0.83,
        needs_review=needs_review,
        model_version="triage-test",
    )


class TestEmergencyButton:
    """A complaint the worker marked an emergency is P1 and reviewed, whatever the model says."""

    @pytest.mark.parametrize("model_says", [Priority.P2, Priority.P3, Priority.P1])
    def test_an_emergency_is_p1_and_needs_review(self, model_says: Priority) -> None:
        triaged = triaged_event(submitted(emergency=True), result(model_says), VECTOR, "enc")
        assert triaged.priority == Priority.P1
        assert triaged.needs_review is True

    def test_the_models_reading_stays(self) -> None:
        """Category, tags, evidence and confidence are the model's: only urgency is forced."""
        triaged = triaged_event(submitted(emergency=True), result(Priority.P3), VECTOR, "enc")
        assert triaged.category == Category.OVERTIME
        assert triaged.secondary == [Category.WAGES_MINIMUM_WAGE]
        assert triaged.tags == [Tag.MONEY_AMOUNT_STATED]
        assert [(e.tag, e.cue) for e in triaged.evidence] == [
            (Tag.MONEY_AMOUNT_STATED, "tiga bulan")
        ]
        assert triaged.confidence == 0.83
        assert triaged.model_version == "triage-test"

    @pytest.mark.parametrize("needs_review", [False, True])
    def test_without_the_button_the_model_decides(self, needs_review: bool) -> None:
        model = result(Priority.P3, needs_review=needs_review)
        triaged = triaged_event(submitted(emergency=False), model, VECTOR, "enc")
        assert triaged.priority == Priority.P3
        assert triaged.needs_review is needs_review
