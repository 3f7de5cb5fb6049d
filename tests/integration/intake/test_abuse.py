"""Guessing tracking secrets or API keys over HTTP, and rotating a key without downtime."""

from __future__ import annotations

from datetime import timedelta

from schemas.topics import UNION_REGISTERED
from services.intake.unions import rotate_key
from services.runtime.throttle import ThrottleSettings
from services.runtime.tokens import hash_api_key
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import read_topic


async def rotate(intake: IntakeUnderTest, union_id: str, overlap: timedelta) -> str:
    conn = await intake.db()
    try:
        return (await rotate_key(conn, union_id, overlap)).api_key
    finally:
        await conn.close()


class TestWrongSecrets:
    """After its wrong secrets a tracking code waits out the lockout, told for how long."""

    async def test_a_code_is_locked_after_five_wrong_secrets(self, intake: IntakeUnderTest) -> None:
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        allowed = ThrottleSettings().wrong_secrets_per_code.amount
        for n in range(allowed):
            wrong = await intake.client.get(
                f"/v1/track/{code}", headers={"X-Tracking-Secret": f"TEBAKAN{n}"}
            )
            assert wrong.status_code == 404
        locked = await intake.client.get(f"/v1/track/{code}", headers={"X-Tracking-Secret": secret})
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        assert "tracking code" in locked.json()["detail"]

    async def test_typos_are_forgiven_once_the_worker_gets_in(
        self, intake: IntakeUnderTest
    ) -> None:
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        for _ in range(3):
            for guess in ("SALAH1", "SALAH2", secret):
                response = await intake.client.get(
                    f"/v1/track/{code}", headers={"X-Tracking-Secret": guess}
                )
            assert response.status_code == 200


class TestKeyRotation:
    """A new key works at once; the old one for the overlap the operator chose, then never."""

    async def test_both_keys_work_during_the_overlap(self, intake: IntakeUnderTest) -> None:
        old = intake.keys["japbusi"]
        new = await rotate(intake, "japbusi", timedelta(hours=1))
        for key in (old, new):
            response = await intake.client.get("/v1/complaints", headers={"X-API-Key": key})
            assert response.status_code == 200

    async def test_the_old_key_stops_when_the_overlap_ends(self, intake: IntakeUnderTest) -> None:
        await rotate(intake, "japbusi", timedelta(0))
        response = await intake.client.get(
            "/v1/complaints", headers={"X-API-Key": intake.keys["japbusi"]}
        )
        assert response.status_code == 401

    async def test_the_rotation_is_published_for_the_other_services(
        self, intake: IntakeUnderTest
    ) -> None:
        new = await rotate(intake, "japbusi", timedelta(hours=2))
        records = await read_topic(
            intake.infra.kafka,
            intake.infra.prefix + UNION_REGISTERED.name,
            where=lambda r: r.json()["previous_api_key_hash"] is not None,
        )
        published = records[0].json()
        assert published["api_key_hash"] == hash_api_key(new)
        assert published["previous_api_key_hash"] == hash_api_key(intake.keys["japbusi"])
        assert published["previous_key_valid_until"] is not None
