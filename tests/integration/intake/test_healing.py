"""Complaints stuck before recommendation are re-published with their original event id."""

from __future__ import annotations

from schemas.topics import COMPLAINT_SUBMITTED
from services.intake.app import republish_stuck_complaints
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import read_topic


class TestStuckComplaints:
    """A broker that lost data heals: intake sends the complaint again."""

    async def test_waiting_complaint_is_republished_with_the_same_event_id(
        self, intake: IntakeUnderTest
    ) -> None:
        await intake.submit()
        conn = await intake.db()
        try:
            await conn.execute("UPDATE complaints SET updated_at = now() - interval '1 hour'")
        finally:
            await conn.close()
        runtime = intake.client._transport.app.state.runtime  # type: ignore[attr-defined]
        assert await republish_stuck_complaints(runtime) == 1
        assert await republish_stuck_complaints(runtime) == 0, "the clock restarts once republished"
        records = await read_topic(
            intake.infra.kafka, intake.infra.prefix + COMPLAINT_SUBMITTED.name, count=2
        )
        assert len(records) == 2
        assert records[0].headers["ce_id"] == records[1].headers["ce_id"]
