"""A union's queue (`GET /v1/complaints`): filters, order, badges, and nobody else's complaints.

Complaints are submitted over HTTP; their triage and officers' corrections arrive as events, as
they do from triage and feedback, and reach the queue through intake's timeline consumer.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from schemas.events import ComplaintRecategorized, ComplaintTriaged
from services.intake.app import MIGRATIONS
from services.runtime.db import apply_migrations
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import eventually

LONG_TEXT = "Sudah tiga bulan lembur kami tidak dibayar, hubungi saya di 0812-3456-7890. " * 4


def triaged(
    complaint_id: str,
    *,
    category: str,
    priority: str,
    tags: list[str],
    needs_review: bool = False,
    confidence: float = 0.9,
    union_id: str = "spn",
    at: datetime | None = None,
) -> ComplaintTriaged:
    at = at or datetime.now(UTC)
    return ComplaintTriaged(
        complaint_id=uuid.UUID(complaint_id), union_id=union_id, category=category,
        secondary=[], tags=tags, priority=priority, confidence=confidence,
        needs_review=needs_review, model_version="test", embedding=[0.0] * 4,
        embedding_version="test", sector="garment", text="gaji", submitted_at=at, triaged_at=at,
    )  # fmt: skip


def recategorized(
    complaint_id: str,
    *,
    category: str,
    priority: str | None = None,
    tags: list[str] | None = None,
    at: datetime | None = None,
) -> ComplaintRecategorized:
    return ComplaintRecategorized(
        complaint_id=uuid.UUID(complaint_id), union_id="spn", officer="Rina",
        previous_category=None, category=category, tags=tags, priority=priority, text="gaji",
        sector="garment", recategorized_at=at or datetime.now(UTC),
    )  # fmt: skip


async def entries(intake: IntakeUnderTest) -> int:
    conn = await intake.db()
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM timeline WHERE kind IN ('triaged', 'recategorized')"
        )
        return count
    finally:
        await conn.close()


async def wait_for_entries(intake: IntakeUnderTest, count: int) -> None:
    async def arrived() -> bool:
        return await entries(intake) == count

    await eventually(arrived)


class Queue:
    """Five spn complaints and one of japbusi, judged as the docstrings of the tests say."""

    def __init__(self, intake: IntakeUnderTest, ids: dict[str, str]) -> None:
        self.intake = intake
        self.ids = ids
        self.names = {complaint_id: name for name, complaint_id in ids.items()}

    async def get(self, union_id: str = "spn", **params: Any) -> Any:
        response = await self.intake.client.get(
            "/v1/complaints", params=params, headers=self.intake.auth(union_id)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def listed(self, union_id: str = "spn", **params: Any) -> list[str]:
        body = await self.get(union_id, **params)
        return [self.names[item["complaint_id"]] for item in body["items"]]


@pytest.fixture()
async def queue(intake: IntakeUnderTest) -> Queue:
    """spn, submitted in this order:

    A  P2 wages, unsure; an officer then added a tag (category and priority kept)
    B  P1 OSH with an injury, unsure
    C  the emergency button, not triaged yet
    D  palm oil, not triaged yet
    E  P3 overtime by triage, corrected to P2 wages by an officer; the correction came first
    japbusi's F is P1.
    """
    ids: dict[str, str] = {}
    submissions: list[tuple[str, dict[str, Any]]] = [
        ("A", {"text": LONG_TEXT}),
        ("B", {"text": "tangan teman saya terluka kena mesin potong"}),
        ("C", {"text": "atap pabrik mau roboh, kami masih di dalam", "emergency": True}),
        ("D", {"text": "cuti haid tidak diberikan mandor", "sector": "palm_oil"}),
        ("E", {"text": "lembur dihitung sebagai jam biasa"}),
    ]
    for name, body in submissions:
        response = await intake.submit(idempotency_key=name, **body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["complaint_id"]
    response = await intake.submit("japbusi", idempotency_key="F", emergency=True)
    ids["F"] = response.json()["complaint_id"]

    publish = intake.infra.publish
    # E's correction is recorded before its triage: the officer's word must still win.
    await publish(recategorized(ids["E"], category="wages_minimum_wage", priority="P2"))
    await wait_for_entries(intake, 1)
    await publish(
        triaged(ids["E"], category="overtime", priority="P3", tags=["collective"], confidence=0.8)
    )
    await publish(
        triaged(
            ids["A"], category="wages_minimum_wage", priority="P2",
            tags=["money_amount_stated"], needs_review=True, confidence=0.4,
        )
    )  # fmt: skip
    await publish(
        triaged(
            ids["B"], category="osh_safety_health", priority="P1", tags=["injury"],
            needs_review=True, confidence=0.7,
        )
    )  # fmt: skip
    await publish(
        triaged(ids["F"], category="overtime", priority="P1", tags=[], union_id="japbusi")
    )
    await wait_for_entries(intake, 5)
    later = datetime.now(UTC) + timedelta(seconds=1)
    await publish(
        recategorized(
            ids["A"], category="wages_minimum_wage", tags=["money_amount_stated", "collective"],
            at=later,
        )
    )  # fmt: skip
    await wait_for_entries(intake, 6)
    return Queue(intake, ids)


class TestOrderAndItems:
    async def test_most_urgent_first_and_oldest_first_within_a_priority(self, queue: Queue) -> None:
        """P1 (the untriaged emergency with them), P2, P3, then the untriaged."""
        body = await queue.get()
        assert [queue.names[i["complaint_id"]] for i in body["items"]] == ["B", "C", "A", "E", "D"]
        assert (body["total"], body["limit"], body["offset"]) == (5, 50, 0)

    async def test_an_item_carries_the_judgement_as_corrected(self, queue: Queue) -> None:
        items = {queue.names[i["complaint_id"]]: i for i in (await queue.get())["items"]}
        a, c, e = items["A"], items["C"], items["E"]
        # A: the correction added a tag and kept triage's priority; an officer has seen it.
        assert (a["category"], a["priority"], a["needs_review"]) == (
            "wages_minimum_wage",
            "P2",
            False,
        )
        assert a["tags"] == ["money_amount_stated", "collective"]
        assert a["confidence"] == 0.4
        # E: the correction's category and priority, triage's tags and confidence.
        assert (e["category"], e["priority"], e["tags"]) == (
            "wages_minimum_wage",
            "P2",
            ["collective"],
        )
        assert (e["needs_review"], e["confidence"], e["status"]) == (False, 0.8, "triaged")
        # C: nothing judged yet.
        assert (c["category"], c["priority"], c["tags"], c["needs_review"]) == (
            None,
            None,
            [],
            None,
        )
        assert (c["emergency"], c["status"], c["kind"], c["sector"]) == (
            True, "submitted", "complaint", "garment",
        )  # fmt: skip
        assert c["tracking_code"].startswith("ADU-")
        assert datetime.fromisoformat(c["submitted_at"]) < datetime.now(UTC)

    async def test_the_excerpt_is_short_and_masked(self, queue: Queue) -> None:
        items = {queue.names[i["complaint_id"]]: i for i in (await queue.get())["items"]}
        excerpt = items["A"]["excerpt"]
        assert excerpt.startswith("Sudah tiga bulan lembur kami tidak dibayar")
        assert excerpt.endswith("…") and len(excerpt) <= 161
        assert "0812" not in excerpt and "[telepon]" in excerpt
        assert items["B"]["excerpt"] == "tangan teman saya terluka kena mesin potong"

    async def test_pages(self, queue: Queue) -> None:
        body = await queue.get(limit=2, offset=1)
        assert [queue.names[i["complaint_id"]] for i in body["items"]] == ["C", "A"]
        assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)
        beyond = await queue.get(offset=10)
        assert (beyond["items"], beyond["total"]) == ([], 5)

    async def test_the_detail_view_agrees_with_the_queue(self, queue: Queue) -> None:
        response = await queue.intake.client.get(
            f"/v1/complaints/{queue.ids['E']}", headers=queue.intake.auth("spn")
        )
        view = response.json()
        assert (view["category"], view["priority"], view["emergency"]) == (
            "wages_minimum_wage", "P2", False,
        )  # fmt: skip


# Each filter and what it lists of the queue fixture's complaints, in the queue's order.
FILTERED: list[tuple[dict[str, str], list[str]]] = [
    ({"priority": "P2"}, ["A", "E"]),
    ({"priority": "P1"}, ["B"]),
    ({"priority": "untriaged"}, ["C", "D"]),
    ({"category": "wages_minimum_wage"}, ["A", "E"]),
    ({"category": "overtime"}, []),
    ({"tag": "collective"}, ["A", "E"]),
    ({"tag": "injury"}, ["B"]),
    ({"sector": "palm_oil"}, ["D"]),
    ({"status": "submitted"}, ["C", "D"]),
    ({"status": "triaged"}, ["B", "A", "E"]),
    ({"status": "resolved"}, []),
    ({"needs_review": "true"}, ["B"]),
    ({"needs_review": "false"}, ["A", "E"]),
    ({"emergency": "true"}, ["C"]),
    ({"emergency": "false"}, ["B", "A", "E", "D"]),
    ({"priority": "P2", "tag": "money_amount_stated"}, ["A"]),
]
# Bad values, each refused with a 422 naming its parameter.
REFUSED: list[dict[str, str]] = [
    {"priority": "P4"},
    {"status": "closed"},
    {"category": "wages"},
    {"tag": "urgent"},
    {"sector": "mining"},
    {"needs_review": "maybe"},
    {"emergency": "tolong"},
    {"limit": "0"},
    {"limit": "201"},
    {"offset": "-1"},
    {"offset": str(2**63)},
]


class TestFilters:
    """One fixture for all cases: building the queue takes seconds, a request milliseconds."""

    async def test_each_filter_lists_what_matches_and_counts_it(self, queue: Queue) -> None:
        for params, expected in FILTERED:
            body = await queue.get(**params)
            listed = [queue.names[i["complaint_id"]] for i in body["items"]]
            assert (listed, body["total"]) == (expected, len(expected)), params

    async def test_a_bad_filter_is_refused_naming_it(self, intake: IntakeUnderTest) -> None:
        for params in REFUSED:
            response = await intake.client.get(
                "/v1/complaints", params=params, headers=intake.auth("spn")
            )
            assert response.status_code == 422, params
            assert [r["field"] for r in response.json()["reasons"]] == list(params), params


class TestCounts:
    async def test_badges_count_every_complaint_of_the_union_whatever_the_filters(
        self, queue: Queue
    ) -> None:
        expected = {
            "total": 5,
            "status": {
                "submitted": 2, "triaged": 3, "recommended": 0, "responded": 0, "reopened": 0,
                "resolved": 0, "rated": 0,
            },
            "priority": {"P1": 1, "P2": 2, "P3": 0, "untriaged": 2},
            "category": {"untriaged": 2, "wages_minimum_wage": 2, "osh_safety_health": 1},
            "needs_review": 1,
            "emergency": 1,
        }  # fmt: skip
        assert (await queue.get())["counts"] == expected
        filtered = await queue.get(priority="P1", emergency="false")
        assert filtered["total"] == 1
        assert filtered["counts"] == expected


class TestOwnership:
    async def test_another_unions_complaints_are_never_listed(self, queue: Queue) -> None:
        assert "F" not in await queue.listed()
        assert "F" not in await queue.listed(priority="P1")
        assert "F" not in await queue.listed(emergency="true")
        japbusi = await queue.get("japbusi")
        assert [queue.names[i["complaint_id"]] for i in japbusi["items"]] == ["F"]
        assert japbusi["counts"]["total"] == 1

    async def test_no_key_no_queue(self, intake: IntakeUnderTest) -> None:
        assert (await intake.client.get("/v1/complaints")).status_code == 401
        bad = await intake.client.get("/v1/complaints", headers={"X-API-Key": "adu_spn_nope"})
        assert bad.status_code == 401


class TestBackfill:
    """Migration 002 fills the queue's columns of complaints judged before it existed."""

    async def test_judgements_in_the_timeline_fill_the_new_columns(
        self, database_url: str, tmp_path: Path
    ) -> None:
        before = tmp_path / "before"
        before.mkdir()
        shutil.copy(MIGRATIONS / "001_init.sql", before)
        conn = await asyncpg.connect(database_url)
        try:
            await apply_migrations(conn, "intake", before)
            await conn.execute("SET search_path TO intake")
            ids = await _old_complaints(conn)
            applied = await apply_migrations(conn, "intake", MIGRATIONS)
            assert applied[0] == "002_emergency_queue.sql" and "001_init.sql" not in applied
            rows = {
                r["complaint_id"]: r
                for r in await conn.fetch(
                    "SELECT complaint_id, category, priority, tags, needs_review, confidence,"
                    " emergency FROM complaints"
                )
            }
        finally:
            await conn.close()
        retriaged, corrected, untouched = (rows[i] for i in ids)
        # The later triage of a complaint triaged twice.
        assert (retriaged["category"], retriaged["priority"], retriaged["tags"]) == (
            "overtime", "P3", ["collective"],
        )  # fmt: skip
        assert (retriaged["needs_review"], retriaged["confidence"]) == (True, 0.6)
        assert (corrected["category"], corrected["priority"], corrected["tags"]) == (
            "harassment_gbv", "P1", ["injury"],
        )  # fmt: skip
        assert (corrected["needs_review"], corrected["confidence"]) == (False, 0.3)
        assert (untouched["category"], untouched["tags"], untouched["needs_review"]) == (
            None, [], None,
        )  # fmt: skip
        assert not any(r["emergency"] for r in rows.values())


async def _old_complaints(conn: asyncpg.Connection) -> list[uuid.UUID]:
    """Three complaints as intake stored them before migration 002."""
    await conn.execute(
        "INSERT INTO unions (union_id, name, api_key_hash) VALUES ('spn', 'SPN', 'hash')"
    )
    ids = [uuid.uuid4() for _ in range(3)]
    start = datetime(2025, 3, 3, tzinfo=UTC)
    for n, complaint_id in enumerate(ids):
        await conn.execute(
            "INSERT INTO complaints (complaint_id, union_id, idempotency_key, request_hash,"
            " tracking_code, channel, sector, kind, original_text, masked_text, language,"
            " anonymous, submitted_at, submitted_event_id) VALUES ($1, 'spn', $2, 'h', $3,"
            " 'app', 'garment', 'complaint', 'gaji', 'gaji', 'id', false, $4, $2)",
            complaint_id,
            f"k{n}",
            f"ADU-OLD-{n}",
            start,
        )
    first, second = str(ids[0]), str(ids[1])
    bodies: list[tuple[uuid.UUID, str, datetime, Any]] = [
        (ids[0], "triaged", start, triaged(first, category="wages_minimum_wage",
            priority="P2", tags=[], at=start)),
        (ids[0], "triaged", start + timedelta(hours=1), triaged(first, category="overtime",
            priority="P3", tags=["collective"], needs_review=True, confidence=0.6)),
        (ids[1], "triaged", start, triaged(second, category="overtime", priority="P3",
            tags=["injury"], confidence=0.3)),
        (ids[1], "recategorized", start + timedelta(hours=2), recategorized(second,
            category="harassment_gbv", priority="P1")),
    ]  # fmt: skip
    for complaint_id, kind, at, event in bodies:
        await conn.execute(
            "INSERT INTO timeline (event_id, complaint_id, kind, at, body)"
            " VALUES ($1, $2, $3, $4, $5::jsonb)",
            str(uuid.uuid4()),
            complaint_id,
            kind,
            at,
            event.model_dump_json(exclude={"embedding", "text"}),
        )
    return ids


class TestAuditOfWhatOfficersSaw:
    """Intake's audit log records each read of the queue and of a complaint: who (as the
    frontend names them), from where, and which machine suggestions were on the screen."""

    async def audit(self, queue: Queue, union_id: str = "spn") -> list[dict[str, Any]]:
        response = await queue.intake.client.get("/v1/audit", headers=queue.intake.auth(union_id))
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    async def test_a_complaint_read_records_its_triage_and_advice(self, queue: Queue) -> None:
        complaint_id = queue.ids["A"]
        response = await queue.intake.client.get(
            f"/v1/complaints/{complaint_id}",
            headers=queue.intake.auth("spn") | {"X-Aduan-Officer": "Rina"},
        )
        assert response.status_code == 200
        [newest, *_] = await self.audit(queue)
        assert newest["action"] == "complaint_viewed"
        assert (newest["complaint_id"], newest["actor"]) == (complaint_id, "Rina")
        assert newest["details"]["triage"] == {
            "model_version": "test",
            "category": "wages_minimum_wage",
            "priority": "P2",
            "tags": ["money_amount_stated"],
            "confidence": 0.4,
        }
        assert newest["details"]["recommended_actions"] == []  # no advice had arrived yet

    async def test_a_queue_read_records_what_each_line_showed(self, queue: Queue) -> None:
        await queue.get(priority="P1")
        [newest, *_] = await self.audit(queue)
        assert newest["action"] == "queue_viewed" and newest["actor"] is None
        assert newest["details"]["filters"] == {"priority": "P1"}
        assert newest["details"]["shown"] == {queue.ids["B"]: ["osh_safety_health", "P1"]}

    async def test_a_read_refused_to_another_union_is_not_its_entry(self, queue: Queue) -> None:
        other = await queue.intake.client.get(
            f"/v1/complaints/{queue.ids['A']}", headers=queue.intake.auth("japbusi")
        )
        assert other.status_code == 404
        assert all(e["complaint_id"] != queue.ids["A"] for e in await self.audit(queue, "japbusi"))
