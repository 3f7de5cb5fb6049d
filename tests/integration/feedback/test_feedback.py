"""Officers respond, resolve and correct; workers rate; the union's clocks reach /metrics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import REGISTRY

from schemas.events import ComplaintSubmitted, ComplaintTriaged, UnionRegistered
from schemas.topics import (
    COMPLAINT_RECATEGORIZED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESPONDED,
    COMPLAINT_TRIAGED,
    FEEDBACK_RATED,
)
from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from services.runtime.metrics import MIN_GROUP_SIZE
from services.runtime.tokens import hash_api_key, tracking_secret
from tests.support import Infra, eventually, read_topic, serving

KEYS = {"spn": "key-of-spn", "japbusi": "key-of-japbusi"}
TRACKING = "ADU-TEST-CODE-0001"
PATIENCE_SECONDS = 5.0


@dataclass
class FeedbackUnderTest:
    client: httpx.AsyncClient
    infra: Infra
    complaint_id: str

    def auth(self, union_id: str = "spn") -> dict[str, str]:
        return {"X-API-Key": KEYS[union_id]}

    def url(self, action: str) -> str:
        return f"/v1/complaints/{self.complaint_id}/{action}"

    async def events(self, topic_name: str, count: int = 1) -> list[dict[str, object]]:
        records = await read_topic(self.infra.kafka, self.infra.prefix + topic_name, count=count)
        return [r.json() for r in records]


@pytest.fixture()
async def feedback(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> AsyncIterator[FeedbackUnderTest]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    for union_id, key in KEYS.items():
        union = UnionRegistered(
            union_id=union_id,
            name=union_id,
            api_key_hash=hash_api_key(key),
            registered_at=datetime.now(UTC),
        )
        await infra.publish(union)
    complaint_id = uuid.uuid4()
    submitted = ComplaintSubmitted(
        complaint_id=complaint_id,
        union_id="spn",
        tracking_code=TRACKING,
        channel="app",
        sector="palm_oil",
        kind="complaint",
        text="basis panen dinaikin terus",
        language="id",
        member=True,
        anonymous=False,
        workplace=None,
        occurred_on=None,
        submitted_at=datetime.now(UTC) - timedelta(hours=5),
    )
    await infra.publish(submitted)
    # A short patience, so an event for a complaint never submitted is dead-lettered in seconds.
    settings = FeedbackSettings(**infra.settings(not_ready_patience_seconds=PATIENCE_SECONDS))
    async with serving(create_app(settings)) as client:
        under_test = FeedbackUnderTest(client, infra, str(complaint_id))

        async def known() -> bool:
            response = await client.post(
                under_test.url("responses"),
                headers=under_test.auth(),
                json={"officer": "probe", "message": "x"},
            )
            return response.status_code == 201

        await eventually(known)  # the union and the complaint have arrived
        yield under_test


class TestOfficers:
    """An officer's action is stored, published, and refused for another union."""

    async def test_responses_mark_only_the_first_as_first(
        self, feedback: FeedbackUnderTest
    ) -> None:
        again = await feedback.client.post(
            feedback.url("responses"),
            headers=feedback.auth(),
            json={"officer": "Rina", "message": "kami proses"},
        )
        assert again.status_code == 201 and again.json()["first_response"] is False
        events = await feedback.events(COMPLAINT_RESPONDED.name, count=2)
        assert [e["first_response"] for e in events] == [True, False]

    async def test_another_union_cannot_act_on_the_complaint(
        self, feedback: FeedbackUnderTest
    ) -> None:
        response = await feedback.client.post(
            feedback.url("resolution"),
            headers=feedback.auth("japbusi"),
            json={"officer": "x", "outcome": "resolved", "actions_taken": ["collect_evidence"]},
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("route", "body"),
        [
            ("responses", {"officer": "Ri\x00na", "message": "kami proses"}),
            (
                "resolution",
                {
                    "officer": "Rina",
                    "outcome": "resolved",
                    "actions_taken": ["collect_evidence"],
                    "resolution_note": "selesai\x00",
                },
            ),
        ],
    )
    async def test_a_control_character_is_refused_before_anything_is_stored(
        self, feedback: FeedbackUnderTest, route: str, body: dict[str, object]
    ) -> None:
        """Stored, a NUL answered 500 or dead-lettered the event in intake: now a 422 first."""
        response = await feedback.client.post(
            feedback.url(route), headers=feedback.auth(), json=body
        )
        assert response.status_code == 422
        assert "control character U+0000" in response.text
        resolved = await feedback.client.post(
            feedback.url("resolution"),
            headers=feedback.auth(),
            json={"officer": "Rina", "outcome": "resolved", "actions_taken": ["collect_evidence"]},
        )
        assert resolved.status_code == 201  # nothing of the refused resolution was kept

    async def test_resolution_is_published_once(self, feedback: FeedbackUnderTest) -> None:
        body = {
            "officer": "Rina",
            "outcome": "partially_resolved",
            "actions_taken": ["bipartite_negotiation", "collect_evidence"],
            "resolution_note": "basis diturunkan sebagian",
        }
        first = await feedback.client.post(
            feedback.url("resolution"), headers=feedback.auth(), json=body
        )
        second = await feedback.client.post(
            feedback.url("resolution"), headers=feedback.auth(), json=body
        )
        assert (first.status_code, second.status_code) == (201, 409)
        [resolved] = await feedback.events(COMPLAINT_RESOLVED.name)
        assert resolved["outcome"] == "partially_resolved"
        assert resolved["days_to_resolve"] == pytest.approx(5 / 24, abs=0.01)

    async def test_unknown_action_is_refused_with_a_reason(
        self, feedback: FeedbackUnderTest
    ) -> None:
        response = await feedback.client.post(
            feedback.url("resolution"),
            headers=feedback.auth(),
            json={"officer": "x", "outcome": "resolved", "actions_taken": ["pray"]},
        )
        assert response.status_code == 422
        assert response.json()["reasons"][0]["field"].startswith("actions_taken")

    async def test_recategorisation_carries_the_text_for_training(
        self, feedback: FeedbackUnderTest
    ) -> None:
        response = await feedback.client.post(
            feedback.url("category"),
            headers=feedback.auth(),
            json={
                "officer": "Rina",
                "category": "working_hours_targets",
                "secondary": ["wages_minimum_wage"],
            },
        )
        assert response.status_code == 201
        [event] = await feedback.events(COMPLAINT_RECATEGORIZED.name)
        assert event["category"] == "working_hours_targets"
        assert event["text"] == "basis panen dinaikin terus"
        assert event["priority"] is None, "an untouched priority is not a correction"

    async def test_a_corrected_priority_is_training_data_and_moves_the_sla(
        self, feedback: FeedbackUnderTest
    ) -> None:
        before = (await feedback.client.get(feedback.url("sla"), headers=feedback.auth())).json()
        response = await feedback.client.post(
            feedback.url("category"),
            headers=feedback.auth(),
            json={"officer": "Rina", "category": "osh_safety_health", "priority": "P1"},
        )
        assert response.status_code == 201
        assert response.json()["priority"] == "P1"
        [event] = await feedback.events(COMPLAINT_RECATEGORIZED.name)
        assert (event["priority"], event["previous_priority"]) == ("P1", before["priority"])
        after = (await feedback.client.get(feedback.url("sla"), headers=feedback.auth())).json()
        assert after["priority"] == "P1"

    async def test_an_unknown_priority_is_refused(self, feedback: FeedbackUnderTest) -> None:
        response = await feedback.client.post(
            feedback.url("category"),
            headers=feedback.auth(),
            json={"officer": "Rina", "category": "osh_safety_health", "priority": "P0"},
        )
        assert response.status_code == 422
        assert response.json()["reasons"][0]["field"] == "priority"


class TestWorkerRatings:
    """Workers rate with code and secret; low ratings say why; a later rating revises."""

    def rating(self, **fields: object) -> dict[str, object]:
        return {
            "secret": tracking_secret("test-tracking-key", TRACKING),
            "score": 4,
            "fixed": "fixed",
            **fields,
        }

    async def test_wrong_secret_is_refused(self, feedback: FeedbackUnderTest) -> None:
        response = await feedback.client.post(
            f"/v1/track/{TRACKING}/rating", json=self.rating(secret="NOPE")
        )
        assert response.status_code == 404

    async def test_low_score_without_reasons_is_refused(self, feedback: FeedbackUnderTest) -> None:
        response = await feedback.client.post(
            f"/v1/track/{TRACKING}/rating", json=self.rating(score=1, fixed="not_fixed")
        )
        assert response.status_code == 422
        assert "reason" in response.json()["reasons"][0]["message"]

    async def test_a_reason_is_a_sentence_not_a_document(self, feedback: FeedbackUnderTest) -> None:
        """Reasons are bounded, so a rating can never make an event too large to publish."""
        response = await feedback.client.post(
            f"/v1/track/{TRACKING}/rating",
            json=self.rating(score=1, fixed="not_fixed", reasons=["x" * 301]),
        )
        assert response.status_code == 422
        assert response.json()["reasons"][0]["field"] == "reasons.0"

    async def test_revision_replaces_the_rating(self, feedback: FeedbackUnderTest) -> None:
        first = await feedback.client.post(f"/v1/track/{TRACKING}/rating", json=self.rating())
        second = await feedback.client.post(
            f"/v1/track/{TRACKING.lower()}/rating",
            json=self.rating(score=2, fixed="partly", reasons=["masalah muncul lagi"]),
        )
        assert first.json()["revision"] == 1 and second.json()["revision"] == 2
        events = await feedback.events(FEEDBACK_RATED.name, count=2)
        assert [e["score"] for e in events] == [4, 2]

    async def test_wrong_secrets_lock_the_code_for_rating_too(
        self, feedback: FeedbackUnderTest
    ) -> None:
        """Feedback's worker routes share intake's lockout rules: five wrong secrets, then 429
        even for the right one."""
        for n in range(5):
            wrong = await feedback.client.post(
                f"/v1/track/{TRACKING}/reply", json={"secret": f"SALAH{n}", "message": "halo"}
            )
            assert wrong.status_code == 404
        locked = await feedback.client.post(f"/v1/track/{TRACKING}/rating", json=self.rating())
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 0


class TestAuditLog:
    """Every action through the API is in the union's audit log, with who, from where and what
    was decided, never the words; a union reads only its own entries."""

    async def audit(self, feedback: FeedbackUnderTest, union_id: str = "spn") -> list[dict]:
        response = await feedback.client.get("/v1/audit", headers=feedback.auth(union_id))
        assert response.status_code == 200
        entries: list[dict] = response.json()["entries"]
        return entries

    async def test_officers_and_workers_actions_are_recorded(
        self, feedback: FeedbackUnderTest
    ) -> None:
        responded = await feedback.client.post(
            feedback.url("responses"),
            headers=feedback.auth(),
            json={"officer": "Rina", "message": "kami tanya dulu", "waiting_on_worker": True},
        )
        rated = await feedback.client.post(
            f"/v1/track/{TRACKING}/rating",
            json={
                "secret": tracking_secret("test-tracking-key", TRACKING),
                "score": 2,
                "fixed": "partly",
                "reasons": ["mandor masih marah-marah"],
            },
        )
        assert responded.status_code == 201 and rated.status_code == 201
        newest, response, probe = (await self.audit(feedback))[:3]
        assert newest["action"] == "feedback.rated.v1"
        assert newest["actor"] == "worker" and newest["client"] is None
        assert newest["details"] == {"score": 2, "fixed": "partly", "revision": 1}
        assert response["action"] == "complaint.responded.v1"
        assert response["actor"] == "Rina"
        assert response["complaint_id"] == feedback.complaint_id
        assert response["details"] == {"waiting_on_worker": True, "first_response": False}
        assert response["client"] and probe["actor"] == "probe"
        assert "kami tanya" not in str(response) and "mandor" not in str(newest)

    async def test_a_refused_action_leaves_no_entry(self, feedback: FeedbackUnderTest) -> None:
        before = await self.audit(feedback)
        resolve = {"officer": "Rina", "outcome": "resolved", "actions_taken": ["collect_evidence"]}
        first = await feedback.client.post(
            feedback.url("resolution"), headers=feedback.auth(), json=resolve
        )
        again = await feedback.client.post(
            feedback.url("resolution"), headers=feedback.auth(), json=resolve
        )
        assert (first.status_code, again.status_code) == (201, 409)
        after = await self.audit(feedback)
        added = after[: len(after) - len(before)]
        assert [e["action"] for e in added] == ["complaint.resolved.v1"]
        assert added[0]["details"]["outcome"] == "resolved"

    async def test_another_union_reads_none_of_it(self, feedback: FeedbackUnderTest) -> None:
        assert await self.audit(feedback, "spn")
        assert await self.audit(feedback, "japbusi") == []
        anonymous = await feedback.client.get("/v1/audit")
        assert anonymous.status_code == 401

    async def test_a_page_past_any_entry_id_is_refused_not_failed(
        self, feedback: FeedbackUnderTest
    ) -> None:
        """Found by the long schemathesis run: an id beyond PostgreSQL's bigint was a 500."""
        response = await feedback.client.get(
            "/v1/audit", params={"before": 2**64}, headers=feedback.auth()
        )
        assert response.status_code == 422

    async def test_an_sla_change_is_recorded_with_its_officer(
        self, feedback: FeedbackUnderTest
    ) -> None:
        changed = await feedback.client.put(
            "/v1/unions/spn/sla",
            headers=feedback.auth(),
            json={"officer": "Bu Sari", "workdays": "mon-sat"},
        )
        assert changed.status_code == 200, changed.text
        [newest, *_] = await self.audit(feedback)
        assert (newest["action"], newest["actor"]) == ("sla_changed", "Bu Sari")
        assert newest["details"] == {"workdays": "mon-sat"}


class TestKeyRotation:
    """A rotation published by intake lets both keys in until the old one's time is up."""

    async def test_old_and_new_key_work_during_the_overlap(
        self, feedback: FeedbackUnderTest
    ) -> None:
        rotated = UnionRegistered(
            union_id="spn",
            name="spn",
            api_key_hash=hash_api_key("new-key-of-spn"),
            previous_api_key_hash=hash_api_key(KEYS["spn"]),
            previous_key_valid_until=datetime.now(UTC) + timedelta(hours=1),
            registered_at=datetime.now(UTC),
        )
        await feedback.infra.publish(rotated)

        async def answers(key: str) -> bool:
            response = await feedback.client.get(
                f"/v1/complaints/{feedback.complaint_id}/sla", headers={"X-API-Key": key}
            )
            return response.status_code == 200

        await eventually(lambda: answers("new-key-of-spn"), interval=1.0)
        assert await answers(KEYS["spn"])


async def observed(sample: str, **labels: str) -> float:
    """A sample as this process recorded it (before /metrics hides small groups), 0 if none."""
    return REGISTRY.get_sample_value(sample, labels) or 0.0


class TestMetrics:
    """Response times are observed under the complaint's union; /metrics shows no group of
    fewer than five complaints."""

    async def test_first_response_time_is_observed_under_the_union(
        self, feedback: FeedbackUnderTest
    ) -> None:
        labels = {"union": "spn", "priority": "unknown"}
        seconds = await eventually(
            lambda: observed("aduan_time_to_first_response_seconds_sum", **labels)
        )
        # The complaint was submitted five hours before the probe response.
        assert seconds >= 5 * 3600 - 60
        assert await observed("aduan_union_time_to_first_response_seconds_sum", union="spn")
        # The registry is the process's: earlier tests' complaints of "spn" count too. Under
        # MIN_GROUP_SIZE the group is recorded but not shown; from it on, shown.
        count = await observed("aduan_time_to_first_response_seconds_count", **labels)
        text = (await feedback.client.get("/metrics")).text
        sample = 'aduan_time_to_first_response_seconds_count{priority="unknown",union="spn"}'
        assert (sample in text) is (count >= MIN_GROUP_SIZE)


class TestEventOrder:
    """Topics are not ordered with each other: a triage that overtakes its submission counts."""

    async def test_triaged_before_submitted_keeps_the_priority(
        self, feedback: FeedbackUnderTest
    ) -> None:
        response = {"union": "spn", "priority": "P1"}
        volume = {**response, "category": "osh_safety_health", "needs_review": "false"}
        # The registry is the test process's: other tests' complaints count in it too.
        responses_before = await observed("aduan_time_to_first_response_seconds_count", **response)
        volume_before = await observed("aduan_complaints_triaged_total", **volume)
        complaint_id = uuid.uuid4()
        now = datetime.now(UTC)
        triaged = ComplaintTriaged(
            complaint_id=complaint_id, union_id="spn", category="osh_safety_health",
            secondary=[], tags=["immediate_danger"], priority="P1", confidence=0.9,
            needs_review=False, model_version="test", embedding=[1.0], embedding_version="t",
            sector="garment", text="pintu darurat digembok", submitted_at=now - timedelta(hours=2),
            triaged_at=now,
        )  # fmt: skip
        submitted = ComplaintSubmitted(
            complaint_id=complaint_id, union_id="spn", tracking_code="ADU-ORDR-TEST-0002",
            channel="app", sector="garment", kind="complaint", text="pintu darurat digembok",
            language="id", member=None, anonymous=False, workplace=None, occurred_on=None,
            submitted_at=now - timedelta(hours=2),
        )  # fmt: skip
        await feedback.infra.publish(triaged)  # fmt: skip
        await feedback.infra.publish(submitted)  # fmt: skip

        async def responded() -> bool:
            response = await feedback.client.post(
                f"/v1/complaints/{complaint_id}/responses", headers=feedback.auth(),
                json={"officer": "Rina", "message": "segera ke lokasi"},
            )  # fmt: skip
            return response.status_code == 201

        await eventually(responded)

        async def counted() -> bool:
            responses = await observed("aduan_time_to_first_response_seconds_count", **response)
            volumes = await observed("aduan_complaints_triaged_total", **volume)
            return responses == responses_before + 1 and volumes == volume_before + 1

        assert await eventually(counted)

    async def test_a_triage_for_a_complaint_never_submitted_leaves_nothing_behind(
        self, feedback: FeedbackUnderTest
    ) -> None:
        """A stray or forged triaged event: no clock, no metric, and it ends dead-lettered
        instead of holding its partition."""
        stray = uuid.uuid4()
        now = datetime.now(UTC)
        stray_triage = ComplaintTriaged(
            complaint_id=stray, union_id="spn", category="osh_safety_health",
            secondary=[], tags=["immediate_danger"], priority="P1", confidence=0.9,
            needs_review=False, model_version="m", embedding=[0.0], embedding_version="e",
            sector="garment", text="pintu darurat digembok", submitted_at=now, triaged_at=now,
        )  # fmt: skip
        await feedback.infra.publish(stray_triage)
        [dead] = await read_topic(
            feedback.infra.kafka,
            feedback.infra.prefix + COMPLAINT_TRIAGED.dlq,
            timeout=PATIENCE_SECONDS + 30,
        )
        assert dead.headers["x-dlq-error-type"] == "NotReady"
        sla = await feedback.client.get(f"/v1/complaints/{stray}/sla", headers=feedback.auth())
        assert sla.status_code == 404
