"""Statistics for people, end to end through feedback: events in, API, `aduan stats`, report."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from schemas.events import (
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSubmitted,
    ComplaintTriaged,
    UnionRegistered,
)
from services.cli import app as cli_app
from services.feedback import clocks
from services.feedback.app import create_app
from services.feedback.settings import FeedbackSettings
from services.runtime.tokens import hash_api_key, tracking_secret
from tests.support import Infra, eventually, serving

KEYS = {"spn": "key-of-spn", "japbusi": "key-of-japbusi"}
FEDERATION = "KSPI"
MONTH = "2025-03"
PERIOD = {"from": "2025-03-01", "to": "2025-03-31"}
# Monday 3 March 2025, 15:00 in Jakarta; complaint i comes i days (and i minutes) later.
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

# spn: ten complaints (shown); japbusi: three (suppressed).
# (category, priority, hours to first response, hours to resolution or None)
SPN = [
    ("overtime", "P1", 2, 48),
    ("overtime", "P1", 4, 72),
    ("overtime", "P1", 10, 96),
    ("overtime", "P1", 20, 120),
    ("overtime", "P1", 30, 144),
    ("wages_minimum_wage", "P2", 10, 168),
    ("wages_minimum_wage", "P2", 30, None),
    ("wages_minimum_wage", "P2", 50, None),
    ("thr_holiday_allowance", "P2", 80, None),
    ("thr_holiday_allowance", "P2", 100, None),
]
JAPBUSI = [("overtime", "P3", 5, None)] * 3
# Ratings of spn's first five complaints: (score, fixed, reasons).
RATINGS = [
    (5, "fixed", ["ditanggapi"]),
    (4, "fixed", ["ditanggapi"]),
    (4, "fixed", ["ditanggapi"]),
    (3, "partly", ["ditanggapi"]),
    (2, "not_fixed", ["ditanggapi", "lambat"]),
]


@dataclass
class Complaint:
    complaint_id: uuid.UUID
    union_id: str
    tracking_code: str
    category: str
    priority: str
    response_h: float
    resolution_h: float | None
    submitted_at: datetime


@dataclass
class StatsUnderTest:
    client: httpx.AsyncClient
    infra: Infra

    async def stats(self, union_id: str, key_of: str | None = None) -> httpx.Response:
        return await self.client.get(
            f"/v1/unions/{union_id}/stats",
            params=PERIOD,
            headers={"X-API-Key": KEYS[key_of or union_id]},
        )

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(cli_app, [*args, "--database-url", self.infra.database_url])


def _complaints() -> list[Complaint]:
    made: list[Complaint] = []
    for union_id, rows in (("spn", SPN), ("japbusi", JAPBUSI)):
        for i, (category, priority, response_h, resolution_h) in enumerate(rows):
            made.append(
                Complaint(
                    uuid.uuid4(),
                    union_id,
                    f"ADU-{union_id.upper()}-{i:04d}",
                    category,
                    priority,
                    response_h,
                    resolution_h,
                    START + timedelta(days=i, minutes=len(made)),
                )
            )
    return made


async def _lifecycle(infra: Infra, c: Complaint) -> None:
    """Triage, first response and (maybe) resolution of a complaint feedback already has."""
    common = {"complaint_id": c.complaint_id, "union_id": c.union_id}
    await infra.publish(
        ComplaintTriaged(
            **common,
            category=c.category,
            secondary=[],
            tags=[],
            priority=c.priority,
            confidence=0.9,
            needs_review=False,
            model_version="test",
            embedding=[0.0],
            embedding_version="test",
            sector="garment",
            text="lembur tidak dibayar",
            submitted_at=c.submitted_at,
            triaged_at=c.submitted_at + timedelta(seconds=5),
        )
    )
    await infra.publish(
        ComplaintResponded(
            **common,
            response_id=uuid.uuid4(),
            officer="Rina",
            message="kami proses",
            first_response=True,
            responded_at=c.submitted_at + timedelta(hours=c.response_h),
        )
    )
    if c.resolution_h is not None:
        await infra.publish(
            ComplaintResolved(
                **common,
                officer="Rina",
                outcome="resolved",
                actions_taken=["bipartite_negotiation"],
                days_to_resolve=c.resolution_h / 24,
                resolved_at=c.submitted_at + timedelta(hours=c.resolution_h),
            )
        )


@pytest.fixture()
async def feedback(
    kafka_bootstrap: str, database_url: str, topic_prefix: str
) -> AsyncIterator[StatsUnderTest]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    await infra.create_topics()
    for union_id, key in KEYS.items():
        union = UnionRegistered(
            union_id=union_id,
            name=union_id.upper(),
            federation=FEDERATION,
            api_key_hash=hash_api_key(key),
            registered_at=datetime.now(UTC),
        )
        await infra.publish(union)
    complaints = _complaints()
    for c in complaints:
        submitted = ComplaintSubmitted(
            complaint_id=c.complaint_id,
            union_id=c.union_id,
            tracking_code=c.tracking_code,
            channel="app",
            sector="garment",
            kind="complaint",
            text="lembur tidak dibayar",
            language="id",
            member=True,
            anonymous=False,
            workplace=None,
            occurred_on=None,
            submitted_at=c.submitted_at,
        )
        await infra.publish(submitted)
    # The breach job runs when the test says so, with the test's `now`.
    app: FastAPI = create_app(FeedbackSettings(**infra.settings(sla_scan_seconds=3600)))
    async with serving(app) as client:
        pool = app.state.runtime.pool

        async def arrived() -> bool:
            unions = await pool.fetchval("SELECT count(*) FROM unions WHERE federation IS NOT NULL")
            return unions == 2 and await pool.fetchval("SELECT count(*) FROM complaints") == 13

        await eventually(arrived)
        for c in complaints:
            await _lifecycle(infra, c)

        async def clocks_stopped() -> bool:
            row = await pool.fetchrow(
                "SELECT count(priority) AS triaged, count(first_response_at) AS responded,"
                " count(resolved_at) AS resolved,"
                " (SELECT count(*) FROM sla_breaches) AS breaches FROM complaints"
            )
            counts = (row["triaged"], row["responded"], row["resolved"], row["breaches"])
            # Two first responses came late (spn's P1 at 30 h, P2 of 11 March at 80 h).
            return counts == (13, 13, 6, 2)

        await eventually(clocks_stopped)
        # Every open resolution clock (spn: 4 P2, japbusi: 3 P3) ran out long ago.
        assert await clocks.scan(pool, datetime.now(UTC)) == 7
        assert await clocks.scan(pool, datetime.now(UTC)) == 0  # once per clock
        for c, (score, fixed, reasons) in zip(complaints, RATINGS, strict=False):
            response = await client.post(
                f"/v1/track/{c.tracking_code}/rating",
                json={
                    "secret": tracking_secret("test-tracking-key", c.tracking_code),
                    "score": score,
                    "fixed": fixed,
                    "reasons": reasons,
                },
            )
            assert response.status_code == 201, response.text
        yield StatsUnderTest(client, infra)


def _without_as_of(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k != "as_of"}


class TestUnionStats:
    async def test_the_api_reports_the_unions_figures(self, feedback: StatsUnderTest) -> None:
        response = await feedback.stats("spn")
        assert response.status_code == 200, response.text
        stats = response.json()
        assert stats["scope"] == {"kind": "union", "union_id": "spn"}
        assert stats["period"] == {**PERIOD, "timezone": "UTC"}
        volumes = stats["volumes"]
        assert (volumes["total"], volumes["open"], volumes["resolved"]) == (10, 4, 6)
        # 5 overtime shown; 3 wages + 2 THR hidden together, unnamed.
        assert volumes["by_category"] == [
            {"key": "overtime", "count": 5},
            {"key": "other", "suppressed": True},
        ]
        assert volumes["by_priority"] == [{"key": "P1", "count": 5}, {"key": "P2", "count": 5}]
        first = stats["first_response_hours"]
        assert (first["count"], first["p50"], first["p90"]) == (10, 25.0, 82.0)
        assert first["by_priority"] == {
            "P1": {"count": 5, "p50": 10.0, "p90": 26.0},
            "P2": {"count": 5, "p50": 50.0, "p90": 92.0},
        }
        assert stats["resolution_hours"] == {"count": 6, "p50": 108.0, "p90": 156.0}
        # Business time (Mon-Fri 08-17 WIB; P1 around the clock). P1 24 h: the 30 h answer is
        # late. P2 27 working hours: the complaints of Saturday 8 and Sunday 9 March start on
        # Monday; 11 March's 80 h answer (Friday 23:08) is late; 12 March's 100 h answer (Sunday
        # 19:09) is not, since its deadline is Monday 17 March 15:09.
        first = {e["priority"]: e for e in stats["sla"]["first_response"]["by_priority"]}
        assert {p: (e["met"], e["missed"]) for p, e in first.items()} == {
            "P1": (4, 1),
            "P2": (4, 1),
        }
        assert stats["sla"]["first_response"]["overall"]["compliance"] == 0.8
        # Resolution: P1 7 days, all met; P2 30 working days: one met, four still open (late).
        resolution = {e["priority"]: e for e in stats["sla"]["resolution"]["by_priority"]}
        assert {p: (e["met"], e["missed"]) for p, e in resolution.items()} == {
            "P1": (5, 0),
            "P2": (1, 4),
        }
        assert stats["sla"]["breaches"] == {"first_response": 2, "resolution": 4, "total": 6}
        assert stats["sla"]["policy"]["timezone"] == "Asia/Jakarta"
        rating = stats["satisfaction"]
        assert (rating["count"], rating["mean_score"]) == (5, 3.6)
        assert rating["fixed"] == {"fixed": 0.6, "partly": 0.2, "not_fixed": 0.2}
        assert rating["top_reasons"] == [{"reason": "ditanggapi", "count": 5}]

    async def test_another_unions_stats_are_not_found(self, feedback: StatsUnderTest) -> None:
        assert (await feedback.stats("japbusi", key_of="spn")).status_code == 404
        assert (await feedback.stats("nosuch", key_of="spn")).status_code == 404
        unauthenticated = await feedback.client.get("/v1/unions/spn/stats")
        assert unauthenticated.status_code == 401

    async def test_a_period_at_the_ends_of_the_calendar_is_refused_with_a_reason(
        self, feedback: StatsUnderTest
    ) -> None:
        response = await feedback.client.get(
            "/v1/unions/spn/stats",
            params={"from": "0001-01-01", "to": "9999-12-31"},
            headers={"X-API-Key": KEYS["spn"]},
        )
        assert response.status_code == 422
        assert "period" in response.json()["detail"]

    async def test_a_union_with_three_complaints_is_suppressed(
        self, feedback: StatsUnderTest
    ) -> None:
        stats = (await feedback.stats("japbusi")).json()
        assert stats["suppressed"] is True
        assert set(stats) == {"scope", "period", "as_of", "min_group_size", "suppressed"}

    async def test_cli_json_gives_the_same_figures(self, feedback: StatsUnderTest) -> None:
        api = (await feedback.stats("spn")).json()
        args = ["stats", "--union", "spn", "--from", PERIOD["from"], "--to", PERIOD["to"]]
        result = await asyncio.to_thread(feedback.cli, *args, "--json")
        assert result.exit_code == 0, result.output
        assert _without_as_of(json.loads(result.stdout)) == _without_as_of(api)

        tables = await asyncio.to_thread(feedback.cli, *args)
        assert tables.exit_code == 0, tables.output
        assert "overtime" in tables.stdout and "hidden" in tables.stdout

        args = ["stats", "--federation", FEDERATION, "--from", PERIOD["from"], "--to", PERIOD["to"]]
        result = await asyncio.to_thread(feedback.cli, *args, "--json")
        assert result.exit_code == 0, result.output
        federation = json.loads(result.stdout)
        # japbusi's 3 are hidden and left out: 13 - 10 would give them away.
        assert federation["volumes"]["total"] == 10
        assert federation["excluded_unions"] == 1
        assert federation["volumes"]["by_union"] == [
            {"key": "japbusi", "suppressed": True},
            {
                "key": "spn",
                "count": 10,
                "breaches": {"first_response": 2, "resolution": 4},
                "reopens": 0,
            },
        ]
        args = ["stats", "--from", PERIOD["from"], "--to", PERIOD["to"]]
        everything = await asyncio.to_thread(feedback.cli, *args, "--json")
        assert everything.exit_code == 0, everything.output
        overview = json.loads(everything.stdout)
        assert [u["suppressed"] for u in overview["unions"]] == [True, False]  # japbusi, spn
        assert overview["federations"][0]["volumes"]["total"] == 10
        tables = await asyncio.to_thread(feedback.cli, *args)
        assert tables.exit_code == 0, tables.output

        unknown = await asyncio.to_thread(feedback.cli, "stats", "--union", "nosuch")
        assert unknown.exit_code == 1

    async def test_report_writes_the_headline_and_charts(
        self, feedback: StatsUnderTest, tmp_path: Path
    ) -> None:
        out = tmp_path / "report.html"
        args = ["report", "--union", "spn", "--month", MONTH, "--out", str(out)]
        result = await asyncio.to_thread(feedback.cli, *args)
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert "Laporan bulanan SPN" in page and "Maret 2025" in page
        assert "<b>10</b>aduan masuk" in page
        assert "<b>25,0 jam</b>" in page  # median first response
        assert "<b>80%</b>" in page  # first response within target (business time)
        assert "<b>60%</b>" in page  # resolved within target
        assert "<b>2 / 4</b>" in page  # SLA breaches, first response / resolution
        assert "<b>3,6 / 5</b>" in page
        assert '<img src="data:image/png;base64,' in page


class TestFederationStats:
    """`GET /v1/federations/{federation}/stats`, for the federation's own members only."""

    async def get(
        self, feedback: StatsUnderTest, federation: str = FEDERATION, key_of: str = "spn"
    ) -> httpx.Response:
        return await feedback.client.get(
            f"/v1/federations/{federation}/stats",
            params=PERIOD,
            headers={"X-API-Key": KEYS[key_of]},
        )

    async def test_the_api_gives_the_clis_figures_with_the_small_member_left_out(
        self, feedback: StatsUnderTest
    ) -> None:
        response = await self.get(feedback)
        assert response.status_code == 200, response.text
        stats = response.json()
        assert stats["scope"] == {
            "kind": "federation",
            "federation": FEDERATION,
            "unions": ["japbusi", "spn"],
        }
        assert stats["period"] == {**PERIOD, "timezone": "UTC"}
        # japbusi's 3 complaints are hidden and left out: 13 - 10 would give them away.
        assert stats["volumes"]["total"] == 10
        assert stats["excluded_unions"] == 1
        assert stats["volumes"]["by_union"] == [
            {"key": "japbusi", "suppressed": True},
            {
                "key": "spn",
                "count": 10,
                "breaches": {"first_response": 2, "resolution": 4},
                "reopens": 0,
            },
        ]
        args = ["stats", "--federation", FEDERATION, "--from", PERIOD["from"], "--to", PERIOD["to"]]
        cli = await asyncio.to_thread(feedback.cli, *args, "--json")
        assert cli.exit_code == 0, cli.output
        assert _without_as_of(stats) == _without_as_of(json.loads(cli.stdout))
        # The small member may read it too, and finds its own figures hidden there as well.
        small = (await self.get(feedback, key_of="japbusi")).json()
        assert _without_as_of(small) == _without_as_of(stats)

    async def test_another_or_an_unknown_federation_is_not_found(
        self, feedback: StatsUnderTest
    ) -> None:
        await feedback.infra.publish(
            UnionRegistered(
                union_id="sbsi",
                name="SBSI",
                federation="KSBSI",
                api_key_hash=hash_api_key("key-of-sbsi"),
                registered_at=datetime.now(UTC),
            )
        )
        outsider = {"X-API-Key": "key-of-sbsi"}

        async def registered() -> bool:
            response = await feedback.client.get(
                "/v1/federations/KSBSI/stats", params=PERIOD, headers=outsider
            )
            return response.status_code == 200

        assert await eventually(registered)
        response = await feedback.client.get(
            f"/v1/federations/{FEDERATION}/stats", params=PERIOD, headers=outsider
        )
        assert response.status_code == 404
        assert "japbusi" not in response.text and "spn" not in response.text
        assert (await self.get(feedback, "NOSUCH")).status_code == 404
        assert (await self.get(feedback, "KSBSI")).status_code == 404
        assert (await self.get(feedback, FEDERATION.lower())).status_code == 404
        unauthenticated = await feedback.client.get(f"/v1/federations/{FEDERATION}/stats")
        assert unauthenticated.status_code == 401

    async def test_a_bad_period_is_refused_with_a_reason(self, feedback: StatsUnderTest) -> None:
        response = await feedback.client.get(
            f"/v1/federations/{FEDERATION}/stats",
            params={"from": "2025-03-31", "to": "2025-03-01"},
            headers={"X-API-Key": KEYS["spn"]},
        )
        assert response.status_code == 422
        assert "before it starts" in response.json()["detail"]
