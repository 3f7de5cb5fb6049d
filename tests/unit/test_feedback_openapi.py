"""Feedback's answers on the wire; that every route declares a model: test_openapi.py."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.feedback.responses import ComplaintSla, SlaClock


class TestWireFormat:
    """The answers kept the strings they had before they had models."""

    def test_instants_are_written_as_isoformat_writes_them(self) -> None:
        at = datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
        clock = SlaClock(
            status="pending",
            round=0,
            started_at=at,
            stopped_at=None,
            target_hours=27.0,
            deadline=at,
            working_hours_used=1.5,
            breach_published=False,
        )
        answer = ComplaintSla(
            complaint_id=uuid4(),
            priority=None,
            reopen_count=0,
            waiting_on_worker=False,
            as_of=at,
            first_response=clock,
            resolution=clock,
        ).model_dump(mode="json")
        assert answer["as_of"] == at.isoformat() == "2026-12-05T11:30:00+00:00"
        assert answer["first_response"]["deadline"] == at.isoformat()
        assert answer["first_response"]["stopped_at"] is None
