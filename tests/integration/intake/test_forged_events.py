"""Intake's timeline believes only what could have happened to the complaint.

Anyone who can write to the broker can send a downstream event; the timeline (the worker's
tracking page, the officer's view) must not grow a second triage from a replayed body, nor take
an event that names another union than the complaint's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemas.events import ComplaintTriaged
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import eventually


def triaged(complaint_id: uuid.UUID, union_id: str, model_version: str) -> ComplaintTriaged:
    now = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    return ComplaintTriaged(
        complaint_id=complaint_id, union_id=union_id, category="wages_minimum_wage",
        secondary=[], tags=[], priority="P2", confidence=0.8, needs_review=False,
        model_version=model_version, embedding=[0.0], embedding_version="e", sector="garment",
        text="gaji dipotong", submitted_at=now, triaged_at=now,
    )  # fmt: skip


class TestTimelineGuards:
    """Replays and events naming another union add nothing to the timeline."""

    async def test_a_replayed_or_misattributed_triage_adds_nothing(
        self, intake: IntakeUnderTest
    ) -> None:
        accepted = (await intake.submit()).json()
        complaint_id = uuid.UUID(accepted["complaint_id"])
        original = triaged(complaint_id, "spn", "m1")
        await intake.infra.publish(original)
        await intake.infra.publish(original)  # the same body under a new event id
        await intake.infra.publish(triaged(complaint_id, "japbusi", "m-forged"))
        # Same key, same partition: once the last one is in, the others were judged.
        await intake.infra.publish(triaged(complaint_id, "spn", "m2"))

        async def versions() -> list[str] | None:
            view = await intake.client.get(
                f"/v1/complaints/{complaint_id}", headers=intake.auth("spn")
            )
            found = [
                e["details"]["model_version"]
                for e in view.json()["timeline"]
                if e["kind"] == "triaged"
            ]
            return found if "m2" in found else None

        assert sorted(await eventually(versions)) == ["m1", "m2"]
