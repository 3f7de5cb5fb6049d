"""Guessing tracking secrets or API keys over HTTP, and rotating a key without downtime."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from schemas.topics import UNION_REGISTERED
from services.intake.app import create_app
from services.intake.unions import rotate_key
from services.runtime.throttle import ThrottleSettings, forget_ended_windows
from services.runtime.tokens import hash_api_key
from tests.integration.intake.conftest import IntakeUnderTest
from tests.support import read_topic, serving


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


class TestReplicasShareTheLockout:
    """Wrong secrets count in the database: a guesser spread over replicas gets one allowance."""

    async def test_guesses_on_two_replicas_lock_the_code_on_both(
        self, intake: IntakeUnderTest
    ) -> None:
        accepted = (await intake.submit()).json()
        code, secret = accepted["tracking_code"], accepted["tracking_secret"]
        allowed = ThrottleSettings().wrong_secrets_per_code.amount
        async with serving(create_app(intake.settings)) as replica:
            for n in range(allowed):
                client = intake.client if n % 2 else replica
                wrong = await client.get(
                    f"/v1/track/{code}", headers={"X-Tracking-Secret": f"TEBAKAN{n}"}
                )
                assert wrong.status_code == 404
            for client in (intake.client, replica):
                locked = await client.get(
                    f"/v1/track/{code}", headers={"X-Tracking-Secret": secret}
                )
                assert locked.status_code == 429
                assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        conn = await intake.db()
        try:
            keys = [r["key"] for r in await conn.fetch("SELECT key FROM throttle_failures")]
        finally:
            await conn.close()
        assert len(keys) == 2  # the code's window and the address's
        assert not any(code in k or "127.0.0.1" in k or "testclient" in k for k in keys)

    async def test_an_ended_window_is_forgotten(self, intake: IntakeUnderTest) -> None:
        conn = await intake.db()
        try:
            await conn.execute(
                "INSERT INTO throttle_failures VALUES"
                " ('old', 5, now() - interval '1 minute'), ('live', 1, now() + interval '1 hour')"
            )
            pool = await asyncpg.create_pool(
                intake.infra.database_url,
                min_size=1,
                max_size=1,
                server_settings={"search_path": "intake"},
            )
            try:
                assert await forget_ended_windows(pool) >= 1
            finally:
                await pool.close()
            left = await conn.fetch("SELECT key FROM throttle_failures")
        finally:
            await conn.close()
        assert [r["key"] for r in left] == ["live"]


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
