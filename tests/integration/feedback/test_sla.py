"""SLA clocks against the real broker and Postgres: breaches once, pauses, reopening, settings.

The breach job runs when a test calls `clocks.scan(pool, now)` with the `now` it wants (the
service's own job is set to an hour); complaints are submitted with timestamps in the past.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from schemas.envelope import derived_event_id
from schemas.events import ComplaintSubmitted, ComplaintTriaged, UnionRegistered
from schemas.topics import (
    COMPLAINT_REOPENED,
    COMPLAINT_SLA_BREACHED,
    COMPLAINT_WORKER_REPLIED,
)
from services.feedback import clocks
from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from services.feedback.sla import SlaPolicy, policy_to_row
from services.runtime.tokens import hash_api_key, tracking_secret
from tests.support import Infra, Record, eventually, read_topic, serving

KEYS = {"spn": "key-of-spn", "japbusi": "key-of-japbusi"}
FEDERATION = "KSPI"
WIB = ZoneInfo("Asia/Jakarta")
# Monday 3 February 2025, 10:00 in Jakarta (no holidays that week).
MONDAY_10 = datetime(2025, 2, 3, 10, tzinfo=WIB)


@dataclass
class SlaUnderTest:
    client: httpx.AsyncClient
    infra: Infra
    pool: asyncpg.Pool

    def auth(self, union_id: str = "spn") -> dict[str, str]:
        return {"X-API-Key": KEYS[union_id]}

    async def complaint(
        self, priority: str, submitted_at: datetime, union_id: str = "spn"
    ) -> tuple[uuid.UUID, str]:
        """Submit and triage a complaint; wait until feedback has its priority."""
        complaint_id = uuid.uuid4()
        code = f"ADU-SLA-{complaint_id.hex[:4].upper()}-{complaint_id.hex[4:8].upper()}"
        common: dict[str, Any] = {"complaint_id": complaint_id, "union_id": union_id}
        text = "lembur tidak dibayar sudah tiga bulan"
        await self.infra.publish(
            ComplaintSubmitted(
                **common, tracking_code=code, channel="app", sector="garment", kind="complaint",
                text=text, language="id", member=True, anonymous=False, workplace=None,
                occurred_on=None, submitted_at=submitted_at,
            )
        )  # fmt: skip
        await self.infra.publish(
            ComplaintTriaged(
                **common, category="overtime", secondary=[], tags=[], priority=priority,
                confidence=0.9, needs_review=False, model_version="test", embedding=[0.0],
                embedding_version="test", sector="garment", text=text,
                submitted_at=submitted_at, triaged_at=submitted_at + timedelta(seconds=5),
            )
        )  # fmt: skip

        async def stored() -> bool:
            row = await self.pool.fetchrow(
                "SELECT priority, tracking_code FROM complaints WHERE complaint_id = $1",
                complaint_id,
            )
            return bool(row and row["priority"] and row["tracking_code"])

        await eventually(stored)
        return complaint_id, code

    async def respond(
        self, complaint_id: uuid.UUID, *, waiting: bool = False, union_id: str = "spn"
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/complaints/{complaint_id}/responses",
            headers=self.auth(union_id),
            json={"officer": "Rina", "message": "kami proses", "waiting_on_worker": waiting},
        )

    async def resolve(self, complaint_id: uuid.UUID) -> httpx.Response:
        return await self.client.post(
            f"/v1/complaints/{complaint_id}/resolution",
            headers=self.auth(),
            json={"officer": "Rina", "outcome": "resolved", "actions_taken": ["collect_evidence"]},
        )

    async def clock(self, complaint_id: uuid.UUID) -> dict[str, Any]:
        response = await self.client.get(f"/v1/complaints/{complaint_id}/sla", headers=self.auth())
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def events(self, topic: str, count: int, timeout: float = 20.0) -> list[Record]:
        return await read_topic(
            self.infra.kafka, self.infra.prefix + topic, count=count, timeout=timeout
        )

    async def metric(self, line: str) -> bool:
        return line in (await self.client.get("/metrics")).text


def secret(code: str) -> str:
    return tracking_secret("test-tracking-key", code)


@pytest.fixture()
async def sla(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> AsyncIterator[SlaUnderTest]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    for union_id, key in KEYS.items():
        await infra.publish(
            UnionRegistered(
                union_id=union_id,
                name=union_id.upper(),
                federation=FEDERATION,
                api_key_hash=hash_api_key(key),
                registered_at=datetime.now(UTC),
            )
        )
    app: FastAPI = create_app(FeedbackSettings(**infra.settings(sla_scan_seconds=3600)))
    async with serving(app) as client:
        pool = app.state.runtime.pool

        async def registered() -> bool:
            return await pool.fetchval("SELECT count(*) FROM unions") == len(KEYS)

        await eventually(registered)
        yield SlaUnderTest(client, infra, pool)


class TestBreaches:
    async def test_the_job_publishes_a_breach_once_naming_the_federation(
        self, sla: SlaUnderTest
    ) -> None:
        complaint_id, _ = await sla.complaint("P2", MONDAY_10)
        # P2: 3 working days (27 working hours) from Monday 10:00 is Thursday 10:00.
        due = datetime(2025, 2, 6, 10, tzinfo=WIB)
        assert await clocks.scan(sla.pool, due - timedelta(minutes=1)) == 0
        assert await clocks.scan(sla.pool, due + timedelta(minutes=1)) == 1
        assert await clocks.scan(sla.pool, due + timedelta(days=3)) == 0
        # The late response that follows finds the breach already published.
        assert (await sla.respond(complaint_id)).status_code == 201

        records = await sla.events(COMPLAINT_SLA_BREACHED.name, count=2, timeout=5)
        assert len(records) == 1
        [record] = records
        event = record.json()
        assert event["federation"] == FEDERATION
        assert (event["clock"], event["priority"], event["round"]) == ("first_response", "P2", 0)
        assert event["counted"] == "working_hours" and event["target_hours"] == 27
        assert datetime.fromisoformat(event["deadline"]) == due
        assert event["stopped_at"] is None
        assert record.key == str(complaint_id)
        assert record.headers["ce_id"] == derived_event_id(
            complaint_id, "sla_breached", "first_response", 0
        )
        line = 'aduan_sla_breaches_total{clock="first_response",priority="P2",union="spn"} 1.0'
        assert await eventually(lambda: sla.metric(line))

    async def test_a_union_poisoned_before_the_bounds_does_not_stop_the_scan(
        self, sla: SlaUnderTest
    ) -> None:
        """A target stored before targets were bounded once failed the scan for every union;
        now that union's clocks fall back to the default and everyone's breaches are found."""
        poisoned = policy_to_row(SlaPolicy()) | {
            "targets": {"first_response": {"P2": "99999999999999d"}}
        }
        async with sla.pool.acquire() as conn:
            await clocks.save_policy(conn, "japbusi", poisoned, "before the bounds")
        await sla.complaint("P2", MONDAY_10)
        await sla.complaint("P2", MONDAY_10, union_id="japbusi")
        due = datetime(2025, 2, 6, 10, tzinfo=WIB)
        assert await clocks.scan(sla.pool, due + timedelta(minutes=1)) == 2
        settings = await sla.client.get("/v1/unions/japbusi/sla", headers=sla.auth("japbusi"))
        assert settings.status_code == 200

    async def test_a_late_response_is_a_breach_without_the_job(self, sla: SlaUnderTest) -> None:
        # P1 runs around the clock: 24 h; this one waited 30 h.
        complaint_id, _ = await sla.complaint("P1", datetime.now(UTC) - timedelta(hours=30))
        assert (await sla.respond(complaint_id)).status_code == 201
        [record] = await sla.events(COMPLAINT_SLA_BREACHED.name, count=1)
        event = record.json()
        assert (event["clock"], event["counted"], event["target_hours"]) == (
            "first_response",
            "around_the_clock",
            24,
        )
        assert event["stopped_at"] is not None
        stopped = (
            'aduan_sla_clocks_stopped_total{clock="first_response",priority="P1",'
            'status="breached",union="spn"} 1.0'
        )
        assert await eventually(lambda: sla.metric(stopped))
        clock = await sla.clock(complaint_id)
        assert clock["first_response"]["status"] == "breached"
        assert clock["first_response"]["breach_published"] is True

    async def test_an_answer_in_time_is_met(self, sla: SlaUnderTest) -> None:
        complaint_id, _ = await sla.complaint("P3", datetime.now(UTC) - timedelta(hours=2))
        assert (await sla.respond(complaint_id)).status_code == 201
        met = (
            'aduan_sla_clocks_stopped_total{clock="first_response",priority="P3",'
            'status="met",union="spn"} 1.0'
        )
        assert await eventually(lambda: sla.metric(met))
        assert (await sla.clock(complaint_id))["first_response"]["status"] == "met"

    async def test_series_exist_at_zero_for_every_registered_union(self, sla: SlaUnderTest) -> None:
        text = (await sla.client.get("/metrics")).text
        for union in KEYS:
            assert f'aduan_complaints_reopened_total{{union="{union}"}} 0.0' in text
            for priority in ("P1", "P2", "P3"):
                for clock in ("first_response", "resolution"):
                    labels = f'clock="{clock}",priority="{priority}",union="{union}"'
                    assert f"aduan_sla_breaches_total{{{labels}}}" in text


class TestWaitingOnTheWorker:
    async def test_a_question_pauses_the_clock_and_the_reply_resumes_it(
        self, sla: SlaUnderTest
    ) -> None:
        complaint_id, code = await sla.complaint("P2", datetime.now(UTC) - timedelta(hours=1))
        asked = await sla.respond(complaint_id, waiting=True)
        assert asked.status_code == 201 and asked.json()["waiting_on_worker"] is True
        paused = await sla.clock(complaint_id)
        assert paused["waiting_on_worker"] is True
        assert paused["resolution"]["status"] == "paused"
        assert paused["resolution"]["deadline"] is None
        # While paused, even a year later nothing is breached.
        assert await clocks.scan(sla.pool, datetime.now(UTC) + timedelta(days=365)) == 0

        replied = await sla.client.post(
            f"/v1/track/{code}/reply",
            json={"secret": secret(code), "message": "slip gaji sudah saya foto"},
        )
        assert replied.status_code == 201 and replied.json()["resumed"] is True
        running = await sla.clock(complaint_id)
        assert running["waiting_on_worker"] is False
        assert running["resolution"]["status"] == "pending"
        assert running["resolution"]["deadline"] is not None
        [record] = await sla.events(COMPLAINT_WORKER_REPLIED.name, count=1)
        assert record.json()["resumed"] is True
        assert record.json()["message"] == "slip gaji sudah saya foto"

    async def test_an_officers_next_response_resumes_the_clock(self, sla: SlaUnderTest) -> None:
        """The worker may answer by phone: the union's next response ends the wait."""
        complaint_id, _ = await sla.complaint("P2", datetime.now(UTC) - timedelta(hours=1))
        assert (await sla.respond(complaint_id, waiting=True)).status_code == 201
        assert (await sla.clock(complaint_id))["resolution"]["status"] == "paused"
        assert (await sla.respond(complaint_id)).status_code == 201
        running = await sla.clock(complaint_id)
        assert running["waiting_on_worker"] is False
        assert running["resolution"]["status"] == "pending"

    async def test_a_reply_needs_the_secret(self, sla: SlaUnderTest) -> None:
        _, code = await sla.complaint("P3", datetime.now(UTC))
        wrong = await sla.client.post(
            f"/v1/track/{code}/reply", json={"secret": "NOPE", "message": "halo"}
        )
        assert wrong.status_code == 404
        unpaused = await sla.client.post(
            f"/v1/track/{code}/reply", json={"secret": secret(code), "message": "halo"}
        )
        assert unpaused.status_code == 201 and unpaused.json()["resumed"] is False


class TestReopening:
    async def test_not_fixed_reopens_and_restarts_the_resolution_clock(
        self, sla: SlaUnderTest
    ) -> None:
        complaint_id, code = await sla.complaint("P2", datetime.now(UTC) - timedelta(days=2))
        reopen = {"secret": secret(code), "reasons": ["gaji masih dipotong"]}
        too_early = await sla.client.post(f"/v1/track/{code}/reopen", json=reopen)
        assert too_early.status_code == 409  # not resolved yet
        assert (await sla.resolve(complaint_id)).status_code == 201
        before = datetime.now(UTC)
        reopened = await sla.client.post(f"/v1/track/{code}/reopen", json=reopen)
        assert reopened.status_code == 201, reopened.text
        assert reopened.json() == {"tracking_code": code, "reopen_count": 1, "status": "reopened"}

        clock = await sla.clock(complaint_id)
        assert clock["reopen_count"] == 1
        assert clock["resolution"]["round"] == 1
        assert clock["resolution"]["status"] == "pending"
        assert datetime.fromisoformat(clock["resolution"]["started_at"]) >= before
        [record] = await sla.events(COMPLAINT_REOPENED.name, count=1)
        event = record.json()
        assert (event["reopen_count"], event["previous_outcome"]) == (1, "resolved")
        assert event["reasons"] == ["gaji masih dipotong"]
        line = 'aduan_complaints_reopened_total{union="spn"} 1.0'
        assert await eventually(lambda: sla.metric(line))

        # Officers resolve it again; the second round has its own clock.
        assert (await sla.resolve(complaint_id)).status_code == 201
        again = await sla.clock(complaint_id)
        assert again["resolution"]["status"] == "met"
        row = await sla.pool.fetchrow(
            "SELECT resolved_at, outcome FROM complaints WHERE complaint_id = $1", complaint_id
        )
        assert row["resolved_at"] is not None and row["outcome"] == "resolved"

    async def test_reopening_needs_a_reason(self, sla: SlaUnderTest) -> None:
        complaint_id, code = await sla.complaint("P3", datetime.now(UTC))
        assert (await sla.resolve(complaint_id)).status_code == 201
        response = await sla.client.post(
            f"/v1/track/{code}/reopen", json={"secret": secret(code), "reasons": []}
        )
        assert response.status_code == 422


class TestOfficersAreNotWorkers:
    """Only the worker rates, reopens and replies: a union's credentials are refused."""

    @pytest.mark.parametrize("action", ["rating", "reopen", "reply"])
    async def test_a_union_key_is_refused_even_with_the_secret(
        self, sla: SlaUnderTest, action: str
    ) -> None:
        complaint_id, code = await sla.complaint("P3", datetime.now(UTC))
        assert (await sla.resolve(complaint_id)).status_code == 201
        body = {
            "rating": {"secret": secret(code), "score": 5, "fixed": "fixed"},
            "reopen": {"secret": secret(code), "reasons": ["x"]},
            "reply": {"secret": secret(code), "message": "x"},
        }[action]
        for headers in (sla.auth(), {"Authorization": f"Bearer {KEYS['spn']}"}):
            response = await sla.client.post(
                f"/v1/track/{code}/{action}", json=body, headers=headers
            )
            assert response.status_code == 403, response.text

    async def test_there_is_no_officer_route_to_rate(self, sla: SlaUnderTest) -> None:
        complaint_id, code = await sla.complaint("P3", datetime.now(UTC))
        response = await sla.client.post(
            f"/v1/complaints/{complaint_id}/rating",
            headers=sla.auth(),
            json={"score": 5, "fixed": "fixed"},
        )
        assert response.status_code in {404, 405}
        without_secret = await sla.client.post(
            f"/v1/track/{code}/rating", json={"score": 5, "fixed": "fixed"}
        )
        assert without_secret.status_code == 422
        assert await sla.pool.fetchval("SELECT count(*) FROM ratings") == 0


class TestSettings:
    async def test_defaults_then_a_six_day_week_and_shorter_target(self, sla: SlaUnderTest) -> None:
        defaults = (await sla.client.get("/v1/unions/spn/sla", headers=sla.auth())).json()
        assert defaults["workdays"] == ["mon", "tue", "wed", "thu", "fri"]
        assert defaults["targets"]["first_response"]["P2"]["hours"] == 27

        # Friday 7 Feb 16:00: with Saturdays worked and a 2-day P2 target (18 h) it is due
        # Monday 16:00 (1 h Friday, 9 h Saturday, 8 h Monday) instead of Wednesday 16:00.
        friday = datetime(2025, 2, 7, 16, tzinfo=WIB)
        complaint_id, _ = await sla.complaint("P2", friday)
        before = await sla.clock(complaint_id)
        assert datetime.fromisoformat(before["first_response"]["deadline"]) == datetime(
            2025, 2, 12, 16, tzinfo=WIB
        )
        changed = await sla.client.put(
            "/v1/unions/spn/sla",
            headers=sla.auth(),
            json={
                "officer": "Rina",
                "workdays": "mon-sat",
                "targets": {"first_response": {"P2": "2d"}},
                "extra_holidays": ["2025-04-02"],
            },
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["workdays"][-1] == "sat"
        assert changed.json()["extra_holidays"] == ["2025-04-02"]
        after = await sla.clock(complaint_id)
        assert datetime.fromisoformat(after["first_response"]["deadline"]) == datetime(
            2025, 2, 10, 16, tzinfo=WIB
        )
        # Other settings stay; japbusi keeps the defaults.
        kept = (await sla.client.get("/v1/unions/spn/sla", headers=sla.auth())).json()
        assert kept["hours"] == "08:00-17:00" and kept["targets"]["first_response"]["P3"]
        other = await sla.client.get("/v1/unions/japbusi/sla", headers=sla.auth("japbusi"))
        assert other.json()["workdays"][-1] == "fri"

    @pytest.mark.parametrize(
        "change",
        [{"timezone": "Asia/Atlantis"}, {"hours": "17:00-08:00"}, {"targets": {"x": {"P1": "1d"}}}],
    )
    async def test_bad_settings_get_a_reason(
        self, sla: SlaUnderTest, change: dict[str, Any]
    ) -> None:
        response = await sla.client.put(
            "/v1/unions/spn/sla", headers=sla.auth(), json={"officer": "Rina", **change}
        )
        assert response.status_code == 422
        assert response.json()["detail"]

    @pytest.mark.parametrize("target", ["99999999999999d", "3000000d", "9000h"])
    async def test_a_target_beyond_a_year_is_refused_and_nothing_is_stored(
        self, sla: SlaUnderTest, target: str
    ) -> None:
        """Such a target once answered 500 yet was committed, and poisoned the union's routes."""
        response = await sla.client.put(
            "/v1/unions/spn/sla",
            headers=sla.auth(),
            json={"officer": "Rina", "targets": {"resolution": {"P3": target}}},
        )
        assert response.status_code == 422
        assert "at most 366d" in response.json()["detail"]
        settings = await sla.client.get("/v1/unions/spn/sla", headers=sla.auth())
        assert settings.status_code == 200
        assert settings.json()["targets"]["resolution"]["P3"]["target"] == "60d"

    async def test_another_unions_settings_are_not_found(self, sla: SlaUnderTest) -> None:
        response = await sla.client.put(
            "/v1/unions/japbusi/sla", headers=sla.auth(), json={"officer": "x", "workdays": "mon"}
        )
        assert response.status_code == 404
        assert (
            await sla.client.get("/v1/unions/japbusi/sla", headers=sla.auth())
        ).status_code == 404


class TestUnionClocks:
    """`GET /v1/unions/{union_id}/clocks`: the deadlines of a union's queue, one call."""

    async def test_each_open_complaint_as_its_own_sla_route_judges_it(
        self, sla: SlaUnderTest
    ) -> None:
        now = datetime.now(UTC)
        overdue, _ = await sla.complaint("P2", MONDAY_10)
        late, _ = await sla.complaint("P1", now - timedelta(hours=30))
        untriaged = await self._untriaged(sla, now - timedelta(hours=2))
        asked, _ = await sla.complaint("P3", now - timedelta(hours=1))
        assert (await sla.respond(asked, waiting=True)).status_code == 201
        resolved, _ = await sla.complaint("P3", now - timedelta(hours=1))
        assert (await sla.respond(resolved)).status_code == 201
        assert (await sla.resolve(resolved)).status_code == 201
        await sla.complaint("P1", now - timedelta(hours=30), union_id="japbusi")
        # overdue's two clocks, late's first response, japbusi's first response.
        assert await clocks.scan(sla.pool, datetime.now(UTC)) == 4

        response = await sla.client.get("/v1/unions/spn/clocks", headers=sla.auth())
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["union_id"] == "spn"
        listed = {uuid.UUID(c["complaint_id"]): c for c in body["clocks"]}
        assert list(listed) == [overdue, late, untriaged, asked], "open ones, oldest first"

        for complaint_id, clocked in listed.items():
            single = await sla.clock(complaint_id)
            assert clocked["priority"] == single["priority"]
            assert clocked["waiting_on_worker"] == single["waiting_on_worker"]
            for name in ("first_response", "resolution"):
                mine, theirs = clocked[name], single[name]
                assert mine["status"] == theirs["status"], (complaint_id, name)
                assert mine["breached"] == (theirs["status"] == "breached")
                assert _instant(mine["deadline"]) == _instant(theirs["deadline"])
                assert mine["target_hours"] == theirs["target_hours"]
                assert mine["breach_published"] == theirs["breach_published"]
                assert mine["round"] == theirs["round"]
            assert clocked["breached"] == any(
                single[name]["status"] == "breached" for name in ("first_response", "resolution")
            )

        assert _states(listed[overdue]) == ("breached", "breached", True, True)
        assert _states(listed[late])[::2] == ("breached", True)
        assert listed[late]["resolution"]["status"] == "pending"
        assert _states(listed[untriaged]) == ("no_target", "no_target", False, False)
        assert listed[untriaged]["priority"] is None
        paused = listed[asked]
        assert paused["waiting_on_worker"] is True
        assert (paused["first_response"]["status"], paused["resolution"]["status"]) == (
            "met",
            "paused",
        )
        assert paused["resolution"]["deadline"] is None
        # P2's 27 working hours from Monday 10:00 end on Thursday 10:00 (Jakarta).
        deadline = _instant(listed[overdue]["first_response"]["deadline"])
        assert deadline == datetime(2025, 2, 6, 10, tzinfo=WIB)

    async def test_another_unions_clocks_are_not_found(self, sla: SlaUnderTest) -> None:
        await sla.complaint("P1", datetime.now(UTC), union_id="japbusi")
        assert (
            await sla.client.get("/v1/unions/japbusi/clocks", headers=sla.auth())
        ).status_code == 404
        assert (
            await sla.client.get("/v1/unions/nosuch/clocks", headers=sla.auth())
        ).status_code == 404
        assert (await sla.client.get("/v1/unions/spn/clocks")).status_code == 401
        own = await sla.client.get("/v1/unions/spn/clocks", headers=sla.auth())
        assert own.json()["clocks"] == []

    @staticmethod
    async def _untriaged(sla: SlaUnderTest, submitted_at: datetime) -> uuid.UUID:
        complaint_id = uuid.uuid4()
        await sla.infra.publish(
            ComplaintSubmitted(
                complaint_id=complaint_id, union_id="spn", tracking_code="ADU-SLA-UNTR-IAGE",
                channel="app", sector="garment", kind="complaint",
                text="lembur tidak dibayar sudah tiga bulan", language="id", member=True,
                anonymous=False, workplace=None, occurred_on=None, submitted_at=submitted_at,
            )
        )  # fmt: skip

        async def stored() -> bool:
            return bool(
                await sla.pool.fetchval(
                    "SELECT count(*) FROM complaints WHERE complaint_id = $1", complaint_id
                )
            )

        await eventually(stored)
        return complaint_id


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _states(clocked: dict[str, Any]) -> tuple[str, str, bool, bool]:
    """(first response status, resolution status, their breach_published)."""
    first, resolution = clocked["first_response"], clocked["resolution"]
    return (
        first["status"],
        resolution["status"],
        first["breach_published"],
        resolution["breach_published"],
    )
