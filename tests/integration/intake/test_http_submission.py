"""Submitting complaints over HTTP: what a union frontend and a worker rely on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from schemas.envelope import CE_ID
from schemas.events import ComplaintTriaged
from schemas.masking import name_keys
from schemas.topics import COMPLAINT_SUBMITTED, COMPLAINT_TRIAGED
from services.intake.contacts import ContactVault, reseal_all
from services.intake.submission import submitted_from_row
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import CONTACT_KEY, eventually, produce, read_topic

CONTACTS = ContactVault.from_keys([CONTACT_KEY])

PERSONAL_TEXT = (
    "THR saya belum dibayar. hubungi 0812-3456-7890 atau siti.aminah@mail.com, "
    "NIK 3201 2345 6789 0123. kurang Rp 2.500.000"
)


class TestAcceptance:
    """A complaint is accepted once, durably, and announced without personal data."""

    async def test_accepted_complaint_is_published_masked_and_without_contact(
        self, intake: IntakeUnderTest
    ) -> None:
        response = await intake.submit(
            text=PERSONAL_TEXT, contact={"name": "Siti Aminah", "phone": "081234567890"}
        )
        assert response.status_code == 201
        accepted = response.json()
        assert accepted["tracking_code"].startswith("ADU-")
        [record] = await read_topic(
            intake.infra.kafka, intake.infra.prefix + COMPLAINT_SUBMITTED.name
        )
        body = record.json()
        assert record.key == accepted["complaint_id"]
        assert record.headers["ce_type"] == "complaint.submitted.v1"
        assert "Siti" not in record.body.decode()
        assert "contact" not in body
        assert "0812" not in body["text"] and "siti.aminah" not in body["text"]
        assert "3201" not in body["text"]
        assert "Rp 2.500.000" in body["text"], "money amounts must survive masking"

    async def test_the_workers_name_and_a_phone_in_the_workplace_are_masked(
        self, intake: IntakeUnderTest
    ) -> None:
        response = await intake.submit(
            text="saya Siti dari line 3, Siti Aminah, lembur tidak dibayar",
            workplace="PT Maju, mandor 0812/3456/7890",
            contact={"name": "Siti Aminah"},
        )
        assert response.status_code == 201
        [record] = await read_topic(
            intake.infra.kafka, intake.infra.prefix + COMPLAINT_SUBMITTED.name
        )
        assert "Siti" not in record.body.decode()
        assert record.json()["workplace"] == "PT Maju, mandor [telepon]"

    async def test_an_anonymous_complaint_with_contact_details_is_refused(
        self, intake: IntakeUnderTest
    ) -> None:
        response = await intake.submit(anonymous=True, contact={"phone": "081234567890"})
        assert response.status_code == 422
        assert "anonymous" in str(response.json())
        assert "0812" not in response.text

    @pytest.mark.parametrize(
        "body",
        [
            {"text": "gaji dipotong\x00 tanpa alasan"},
            {"contact": {"name": "Siti\x00"}},
            {"workplace": "PT Maju\x1b[2J"},
            {"idempotency_key": "k\x00"},
        ],
    )
    async def test_a_control_character_is_refused_with_the_field_named(
        self, intake: IntakeUnderTest, body: dict[str, Any]
    ) -> None:
        response = await intake.submit(**body)
        assert response.status_code == 422
        assert "contains the control character" in response.text
        conn = await intake.db()
        try:
            assert await conn.fetchval("SELECT count(*) FROM complaints") == 0
        finally:
            await conn.close()

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ({"text": " " * 30}, "visible characters"),
            ({"occurred_on": "0001-01-01"}, "occurred_on must lie between"),
        ],
    )
    async def test_an_empty_text_or_an_impossible_day_is_refused(
        self, intake: IntakeUnderTest, body: dict[str, Any], reason: str
    ) -> None:
        response = await intake.submit(**body)
        assert response.status_code == 422
        assert reason in response.text

    async def test_tabs_and_line_breaks_are_kept(self, intake: IntakeUnderTest) -> None:
        response = await intake.submit(text="lembur tidak dibayar\nsejak Maret,\tsemua shift")
        assert response.status_code == 201

    async def test_contact_and_first_timeline_entry_are_stored_with_the_complaint(
        self, intake: IntakeUnderTest
    ) -> None:
        """Kept apart from the complaint and sealed, the contact is stored only when one was
        given; the owning union reads it back."""
        with_contact = await intake.submit(
            idempotency_key="with-contact", contact={"name": "Siti Aminah", "phone": "0812345678"}
        )
        without = await intake.submit(idempotency_key="without-contact")
        conn = await intake.db()
        try:
            contacts = await conn.fetch("SELECT complaint_id, name, phone FROM contacts")
            entries = await conn.fetch("SELECT complaint_id, kind FROM timeline ORDER BY at")
        finally:
            await conn.close()
        ids = [with_contact.json()["complaint_id"], without.json()["complaint_id"]]
        assert [str(r["complaint_id"]) for r in contacts] == [ids[0]]
        assert "Siti" not in contacts[0]["name"] and "0812" not in contacts[0]["phone"]
        opened = CONTACTS.open([contacts[0]["name"], contacts[0]["phone"], None, None])
        assert (opened["name"], opened["phone"]) == ("Siti Aminah", "0812345678")
        view = await intake.client.get(f"/v1/complaints/{ids[0]}", headers=intake.auth("spn"))
        assert view.json()["contact"] == {
            "name": "Siti Aminah",
            "phone": "0812345678",
            "email": None,
            "whatsapp": None,
        }
        assert [(str(r["complaint_id"]), r["kind"]) for r in entries] == [
            (ids[0], "submitted"),
            (ids[1], "submitted"),
        ]

    async def test_the_workers_own_words_are_sealed_and_read_back_by_the_union(
        self, intake: IntakeUnderTest
    ) -> None:
        """The text as written (names, phone numbers) is a token in the table; the owning
        union's API shows it unmasked, the queue shows the masked start."""
        text = "Saya Siti Aminah, HP 0812-3456-7890, gaji dipotong mandor tanpa alasan"
        accepted = await intake.submit(text=text)
        conn = await intake.db()
        try:
            stored = await conn.fetchrow("SELECT original_text, masked_text FROM complaints")
        finally:
            await conn.close()
        assert stored is not None
        assert "Siti" not in stored["original_text"] and "0812" not in stored["original_text"]
        assert "0812" not in stored["masked_text"]
        view = await intake.client.get(
            f"/v1/complaints/{accepted.json()['complaint_id']}", headers=intake.auth("spn")
        )
        assert view.json()["text"] == text

    async def test_resealing_moves_every_contact_to_a_new_key(
        self, intake: IntakeUnderTest
    ) -> None:
        """Rotation: with a new key first, every contact is sealed again and opens without the
        old key, which can then be dropped."""
        await intake.submit(idempotency_key="c-1", contact={"whatsapp": "0857-1111-2222"})
        await intake.submit()  # no contact; one is added below as stored before sealing
        new_key = SecretStr("a-new-contact-key-for-rotation-0123456789")
        conn = await intake.db()
        try:
            await conn.execute(
                "INSERT INTO contacts (complaint_id, phone) SELECT complaint_id,"
                " '0813-legacy' FROM complaints WHERE idempotency_key = 'k-1'"
            )
            counts = await reseal_all(conn, ContactVault.from_keys([new_key, CONTACT_KEY]))
            assert counts == {"contacts": 2, "complaints": 2}
            rows = await conn.fetch("SELECT phone, whatsapp FROM contacts")
            texts = await conn.fetchval("SELECT array_agg(original_text) FROM complaints")
        finally:
            await conn.close()
        only_new = ContactVault.from_keys([new_key])
        assert all(only_new.open_words(text) for text in texts)
        opened = [only_new.open([None, r["phone"], None, r["whatsapp"]]) for r in rows]
        assert sorted((o["phone"] or "", o["whatsapp"] or "") for o in opened) == [
            ("", "0857-1111-2222"),
            ("0813-legacy", ""),
        ]

    async def test_a_burst_of_clients_is_accepted_each_with_its_event_to_publish(
        self, intake: IntakeUnderTest
    ) -> None:
        """More clients at once than the pool has connections: every one gets its complaint,
        and each complaint its one `submitted` event, written in the same statement."""
        assert intake.settings.database_pool_size > 10
        responses = await asyncio.gather(
            *(intake.submit(idempotency_key=f"burst-{i}") for i in range(60))
        )
        assert [r.status_code for r in responses] == [201] * 60
        conn = await intake.db()
        try:
            events = await conn.fetch(
                "SELECT event_id FROM outbox WHERE topic = $1", COMPLAINT_SUBMITTED.name
            )
            stored = await conn.fetch("SELECT submitted_event_id FROM complaints")
        finally:
            await conn.close()
        assert len(events) == 60
        assert {r["event_id"] for r in events} == {r["submitted_event_id"] for r in stored}

    async def test_repeated_idempotency_key_returns_the_same_complaint_and_creates_nothing(
        self, intake: IntakeUnderTest
    ) -> None:
        first = await intake.submit(idempotency_key="retry-me")
        second = await intake.submit(idempotency_key="retry-me")
        assert first.status_code == 201 and second.status_code == 200
        assert first.json()["complaint_id"] == second.json()["complaint_id"]
        assert first.json()["tracking_secret"] == second.json()["tracking_secret"]
        conn = await intake.db()
        try:
            assert await conn.fetchval("SELECT count(*) FROM complaints") == 1
            submitted = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE topic = $1", COMPLAINT_SUBMITTED.name
            )
            assert submitted == 1
        finally:
            await conn.close()

    async def test_same_key_with_a_different_complaint_is_a_conflict(
        self, intake: IntakeUnderTest
    ) -> None:
        await intake.submit(idempotency_key="k")
        response = await intake.submit(idempotency_key="k", text="lembur tidak dibayar sama sekali")
        assert response.status_code == 409
        assert "idempotency key" in response.json()["detail"]


class TestWorkersName:
    """The name in the contact details never travels; keyed hashes of its parts do."""

    async def test_the_submitted_event_carries_keyed_hashes_of_the_name_not_the_name(
        self, intake: IntakeUnderTest
    ) -> None:
        accepted = (
            await intake.submit(
                idempotency_key="named",
                text="Saya Siti Aminah, upah lembur bulan ini tidak dibayar",
                contact={"name": "Siti Aminah", "phone": "0812345678"},
            )
        ).json()
        [record] = await read_topic(
            intake.infra.kafka, intake.infra.prefix + COMPLAINT_SUBMITTED.name
        )
        event = record.json()
        expected = name_keys(intake.settings.tracking_key, ["Siti Aminah"])
        assert "Aminah" not in record.body.decode()
        assert event["text"].startswith("Saya [nama]")
        assert event["name_keys"] == expected
        conn = await intake.db()
        try:
            row = await conn.fetchrow(
                "SELECT * FROM complaints WHERE complaint_id = $1",
                uuid.UUID(accepted["complaint_id"]),
            )
        finally:
            await conn.close()
        # Re-published when stuck, it carries them too.
        assert submitted_from_row(row).name_keys == expected


class TestEmergency:
    """The worker's emergency button is kept with the complaint and told to triage."""

    async def test_an_emergency_is_stored_and_on_the_submitted_event(
        self, intake: IntakeUnderTest
    ) -> None:
        urgent = (await intake.submit(idempotency_key="urgent", emergency=True)).json()
        usual = (await intake.submit(idempotency_key="usual")).json()
        records = await read_topic(
            intake.infra.kafka, intake.infra.prefix + COMPLAINT_SUBMITTED.name, count=2
        )
        flags = {r.key: r.json()["emergency"] for r in records}
        assert flags == {urgent["complaint_id"]: True, usual["complaint_id"]: False}
        conn = await intake.db()
        try:
            rows = {
                str(r["complaint_id"]): r
                for r in await conn.fetch("SELECT * FROM complaints ORDER BY submitted_at")
            }
        finally:
            await conn.close()
        assert rows[urgent["complaint_id"]]["emergency"] is True
        assert rows[usual["complaint_id"]]["emergency"] is False
        # A complaint re-published because it got stuck is still an emergency.
        assert submitted_from_row(rows[urgent["complaint_id"]]).emergency is True
        view = await intake.client.get(
            f"/v1/complaints/{urgent['complaint_id']}", headers=intake.auth("spn")
        )
        assert view.json()["emergency"] is True

    async def test_a_retry_must_say_emergency_as_the_first_time(
        self, intake: IntakeUnderTest
    ) -> None:
        """The flag is part of the submission: the same key without it is another complaint."""
        assert (await intake.submit(idempotency_key="k", emergency=True)).status_code == 201
        assert (await intake.submit(idempotency_key="k", emergency=True)).status_code == 200
        assert (await intake.submit(idempotency_key="k")).status_code == 409

    async def test_an_emergency_flag_that_is_not_a_boolean_is_refused(
        self, intake: IntakeUnderTest
    ) -> None:
        response = await intake.submit(emergency="tolong")
        assert response.status_code == 422
        assert response.json()["reasons"][0]["field"] == "emergency"


class TestRefusals:
    """Bad requests get a 4xx with a reason, never a 500, and store nothing."""

    async def test_unknown_key_is_refused(self, intake: IntakeUnderTest) -> None:
        response = await intake.client.post(
            "/v1/complaints",
            json={"text": "gaji telat terus", "idempotency_key": "x"},
            headers={"X-API-Key": "adu_spn_not-a-real-key"},
        )
        assert response.status_code == 401
        assert "API key" in response.json()["detail"]

    async def test_missing_key_is_refused(self, intake: IntakeUnderTest) -> None:
        response = await intake.client.post("/v1/complaints", json={"text": "gaji telat terus"})
        assert response.status_code == 401

    async def test_over_long_text_is_refused_with_the_limit(self, intake: IntakeUnderTest) -> None:
        response = await intake.submit(text="gaji " * 1001)
        assert response.status_code == 422
        [reason] = response.json()["reasons"]
        assert reason["field"] == "text" and "5000" in reason["message"]

    async def test_missing_idempotency_key_is_refused(self, intake: IntakeUnderTest) -> None:
        response = await intake.client.post(
            "/v1/complaints", json={"text": "gaji telat terus"}, headers=intake.auth("spn")
        )
        assert response.status_code == 400
        assert "idempotency" in response.json()["detail"]

    async def test_one_union_cannot_read_another_unions_complaint(
        self, intake: IntakeUnderTest
    ) -> None:
        complaint_id = (await intake.submit("spn")).json()["complaint_id"]
        own = await intake.client.get(f"/v1/complaints/{complaint_id}", headers=intake.auth("spn"))
        other = await intake.client.get(
            f"/v1/complaints/{complaint_id}", headers=intake.auth("japbusi")
        )
        assert own.status_code == 200
        assert other.status_code == 404
        assert "gaji" not in other.text


class TestTimeline:
    """The owning union sees the downstream events; the worker sees progress with the secret."""

    async def test_triaged_event_updates_status_and_timeline(self, intake: IntakeUnderTest) -> None:
        accepted = (await intake.submit()).json()
        triaged = ComplaintTriaged(
            complaint_id=uuid.UUID(accepted["complaint_id"]),
            union_id="spn",
            category="wages_minimum_wage",
            secondary=[],
            tags=["money_amount_stated"],
            priority="P3",
            confidence=0.9,
            needs_review=False,
            model_version="test",
            embedding=[0.0] * 4,
            embedding_version="test",
            sector="garment",
            text="gaji",
            submitted_at=datetime.now(UTC),
            triaged_at=datetime.now(UTC),
        )
        await produce(
            intake.infra.kafka,
            intake.infra.prefix + COMPLAINT_TRIAGED.name,
            triaged.model_dump_json().encode(),
            key=accepted["complaint_id"],
            headers={CE_ID: str(uuid.uuid4())},
        )

        async def status() -> str:
            response = await intake.client.get(
                f"/v1/complaints/{accepted['complaint_id']}", headers=intake.auth("spn")
            )
            return str(response.json()["status"])

        assert await eventually(lambda: _equals(status(), "triaged"))
        view = (
            await intake.client.get(
                f"/v1/complaints/{accepted['complaint_id']}", headers=intake.auth("spn")
            )
        ).json()
        assert [e["kind"] for e in view["timeline"]] == ["submitted", "triaged"]
        assert view["category"] == "wages_minimum_wage"
        assert all("embedding" not in e["details"] for e in view["timeline"])

    async def test_worker_tracks_with_code_and_secret_only(self, intake: IntakeUnderTest) -> None:
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        ok = await intake.client.get(f"/v1/track/{code}", headers={"X-Tracking-Secret": secret})
        wrong = await intake.client.get(f"/v1/track/{code}", headers={"X-Tracking-Secret": "NO"})
        assert ok.status_code == 200
        assert ok.json()["status"] == "submitted"
        assert "text" not in ok.json()
        assert wrong.status_code == 404

    async def test_a_secret_in_the_query_string_opens_nothing(
        self, intake: IntakeUnderTest
    ) -> None:
        """A query string ends up in access logs: the secret is read from its header only."""
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        response = await intake.client.get(f"/v1/track/{code}", params={"secret": secret})
        assert response.status_code == 404

    async def test_a_union_key_cannot_open_a_workers_view(self, intake: IntakeUnderTest) -> None:
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        response = await intake.client.get(
            f"/v1/track/{code}", headers={"X-Tracking-Secret": secret, **intake.auth("spn")}
        )
        assert response.status_code == 403

    async def test_a_secret_in_any_script_is_a_wrong_secret(self, intake: IntakeUnderTest) -> None:
        code = (await intake.submit()).json()["tracking_code"]
        # Raw UTF-8 bytes: the server reads header values as Latin-1, so it sees non-ASCII.
        headers = {b"X-Tracking-Secret": "rahasia-é秘".encode()}
        response = await intake.client.get(f"/v1/track/{code}", headers=headers)
        assert response.status_code == 404


async def _equals(value: object, expected: str) -> bool:
    return await value == expected  # type: ignore[misc]
