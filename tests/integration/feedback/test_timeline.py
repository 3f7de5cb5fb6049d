"""Intake's timeline shows the new feedback events: reopened, the worker's reply, SLA breaches,
and its status follows a reopened complaint into its second round.

Intake and feedback run in-process on the real broker and one database, as in production; the
worker's tracking page leaves the federation's escalation (sla_breached) out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from schemas.events import ComplaintTriaged
from services.feedback import clocks
from services.feedback.app import create_app as create_feedback
from services.feedback.settings import FeedbackSettings
from services.intake.app import IntakeSettings
from services.intake.app import create_app as create_intake
from services.intake.cli import register
from tests.support import Infra, eventually, serving


async def test_reopen_reply_and_breach_reach_the_timeline(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> None:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    key = (await register(database_url, "spn", "SPN")).api_key
    auth = {"X-API-Key": key}
    intake_settings = IntakeSettings(
        **infra.settings(stuck_after_seconds=3600, stuck_check_seconds=3600)
    )
    feedback_app = create_feedback(FeedbackSettings(**infra.settings(sla_scan_seconds=3600)))
    async with (
        serving(create_intake(intake_settings)) as intake,
        serving(feedback_app) as feedback,
    ):
        accepted = (
            await intake.post(
                "/v1/complaints",
                headers=auth,
                json={"text": "gaji bulan ini dipotong", "idempotency_key": "t-1"},
            )
        ).json()
        complaint_id = uuid.UUID(accepted["complaint_id"])
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        now = datetime.now(UTC)
        await infra.publish(
            ComplaintTriaged(
                complaint_id=complaint_id, union_id="spn", category="wages_minimum_wage",
                secondary=[], tags=[], priority="P2", confidence=0.9, needs_review=False,
                model_version="test", embedding=[0.0], embedding_version="test",
                sector="garment", text="gaji", submitted_at=now, triaged_at=now,
            )
        )  # fmt: skip
        pool = feedback_app.state.runtime.pool

        async def triaged_in_feedback() -> bool:
            return bool(
                await pool.fetchval(
                    "SELECT priority IS NOT NULL FROM complaints WHERE complaint_id = $1",
                    complaint_id,
                )
            )

        await eventually(triaged_in_feedback)
        # Nobody answers for a month: the breach job (its `now` moved ahead) escalates.
        assert await clocks.scan(pool, now + timedelta(days=30)) >= 1

        async def ask_for_evidence() -> int | None:
            asked = await feedback.post(
                f"/v1/complaints/{complaint_id}/responses",
                headers=auth,
                json={"officer": "Rina", "message": "kirim foto slip?", "waiting_on_worker": True},
            )
            # 401 until feedback has read the union's key, which comes by its own event on a
            # background consumer, not with the triaged event waited for above.
            return None if asked.status_code == 401 else asked.status_code

        assert await eventually(ask_for_evidence) == 201
        reply = {"secret": secret, "message": "sudah saya kirim"}
        assert (await feedback.post(f"/v1/track/{code}/reply", json=reply)).status_code == 201
        resolution = {
            "officer": "Rina",
            "outcome": "resolved",
            "actions_taken": ["collect_evidence"],
        }
        resolved = await feedback.post(
            f"/v1/complaints/{complaint_id}/resolution", headers=auth, json=resolution
        )
        assert resolved.status_code == 201
        reopen = {"secret": secret, "reasons": ["masih dipotong"]}
        assert (await feedback.post(f"/v1/track/{code}/reopen", json=reopen)).status_code == 201

        async def timeline() -> list[str] | None:
            view = (await intake.get(f"/v1/complaints/{complaint_id}", headers=auth)).json()
            kinds = [e["kind"] for e in view["timeline"]]
            wanted = {"sla_breached", "responded", "worker_replied", "resolved", "reopened"}
            return kinds if wanted <= set(kinds) else None

        kinds = await eventually(timeline)
        assert kinds.index("responded") < kinds.index("worker_replied") < kinds.index("reopened")
        tracking = await _track(intake, code, secret)
        steps = [s["step"] for s in tracking["steps"]]
        assert "Pengaduan dibuka kembali" in steps and "Balasan Anda terkirim" in steps
        assert not any("sla" in s for s in steps)
        assert await eventually(lambda: _status_is(intake, complaint_id, auth, "reopened"))
        assert (await _track(intake, code, secret))["status"] == "reopened"

        # The union resolves it again: the second round ends like the first.
        resolved = await feedback.post(
            f"/v1/complaints/{complaint_id}/resolution", headers=auth, json=resolution
        )
        assert resolved.status_code == 201
        assert await eventually(lambda: _status_is(intake, complaint_id, auth, "resolved"))


async def _status_is(
    intake: httpx.AsyncClient, complaint_id: uuid.UUID, auth: dict[str, str], status: str
) -> bool:
    view = (await intake.get(f"/v1/complaints/{complaint_id}", headers=auth)).json()
    return bool(view["status"] == status)


async def _track(intake: httpx.AsyncClient, code: str, secret: str) -> dict[str, Any]:
    response = await intake.get(f"/v1/track/{code}", headers={"X-Tracking-Secret": secret})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
