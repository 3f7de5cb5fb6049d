"""Abuse limits: request rates per address, code and key; lockouts after wrong secrets or keys."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from limits import parse
from starlette.requests import Request

from services.runtime.settings import ServiceSettings
from services.runtime.throttle import Throttle, ThrottleSettings


def from_address(address: str) -> Request:
    return Request({"type": "http", "headers": [], "client": (address, 40000)})


def throttle(**limits: object) -> Throttle:
    return Throttle(ThrottleSettings.model_validate(limits))


async def refused(check: object) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        await check  # type: ignore[misc]
    return caught.value


class TestRequestRates:
    """Past its allowance a client gets 429 and a Retry-After it can wait out."""

    async def test_an_address_past_its_allowance_is_told_how_long_to_wait(self) -> None:
        limits = throttle(worker_per_address="3/minute")
        phone = from_address("203.0.113.7")
        for n in range(3):
            await limits.worker_request(phone, f"ADU-CODE-{n}")
        answer = await refused(limits.worker_request(phone, "ADU-CODE-9"))
        assert answer.status_code == 429
        assert answer.headers is not None and 1 <= int(answer.headers["Retry-After"]) <= 60
        assert "address" in answer.detail

    async def test_another_address_is_not_slowed_by_a_busy_one(self) -> None:
        limits = throttle(worker_per_address="2/minute")
        for _ in range(2):
            await limits.worker_request(from_address("203.0.113.7"), "ADU-A")
        await limits.worker_request(from_address("198.51.100.20"), "ADU-B")

    async def test_one_code_is_limited_whichever_address_asks(self) -> None:
        limits = throttle(worker_per_code="2/minute")
        await limits.worker_request(from_address("203.0.113.1"), "ADU-A")
        await limits.worker_request(from_address("203.0.113.2"), "ADU-A")
        answer = await refused(limits.worker_request(from_address("203.0.113.3"), "ADU-A"))
        assert answer.status_code == 429 and "code" in answer.detail

    async def test_a_union_key_has_its_own_allowance(self) -> None:
        limits = throttle(per_key="2/second")
        await limits.key_request("hash-of-spn")
        await limits.key_request("hash-of-spn")
        assert (await refused(limits.key_request("hash-of-spn"))).status_code == 429
        await limits.key_request("hash-of-japbusi")

    async def test_disabled_limits_refuse_nothing(self) -> None:
        limits = throttle(enabled=False, worker_per_address="1/minute", per_key="1/minute")
        for _ in range(5):
            await limits.worker_request(from_address("203.0.113.7"), "ADU-A")
            await limits.key_request("hash")


class TestWrongSecrets:
    """Wrong secrets lock the code, and then the address; the right secret forgives typos."""

    async def test_a_code_is_locked_after_its_wrong_secrets_even_for_the_right_one(self) -> None:
        limits = throttle(wrong_secrets_per_code="3/15 minutes")
        phone = from_address("203.0.113.7")
        for _ in range(3):
            await limits.refuse_if_locked_out(phone, "ADU-A")
            await limits.wrong_secret(phone, "ADU-A")
        answer = await refused(limits.refuse_if_locked_out(from_address("198.51.100.1"), "ADU-A"))
        assert answer.status_code == 429
        assert answer.headers is not None and 60 < int(answer.headers["Retry-After"]) <= 900
        await limits.refuse_if_locked_out(phone, "ADU-B")  # other complaints stay open

    async def test_the_right_secret_forgives_earlier_typos(self) -> None:
        limits = throttle(wrong_secrets_per_code="3/15 minutes")
        phone = from_address("203.0.113.7")
        for _ in range(2):
            await limits.wrong_secret(phone, "ADU-A")
        await limits.right_secret("ADU-A")
        for _ in range(2):
            await limits.wrong_secret(phone, "ADU-A")
        await limits.refuse_if_locked_out(phone, "ADU-A")

    async def test_an_address_guessing_many_codes_is_locked(self) -> None:
        limits = throttle(wrong_secrets_per_address="4/hour")
        guesser = from_address("203.0.113.66")
        for n in range(4):
            await limits.wrong_secret(guesser, f"ADU-{n}")
        answer = await refused(limits.refuse_if_locked_out(guesser, "ADU-NEW"))
        assert answer.status_code == 429 and "address" in answer.detail
        await limits.refuse_if_locked_out(from_address("203.0.113.67"), "ADU-NEW")

    async def test_an_address_guessing_keys_is_locked(self) -> None:
        limits = throttle(wrong_keys_per_address="2/15 minutes")
        guesser = from_address("203.0.113.66")
        await limits.refuse_if_guessing_keys(guesser)
        await limits.wrong_key(guesser)
        await limits.wrong_key(guesser)
        assert (await refused(limits.refuse_if_guessing_keys(guesser))).status_code == 429


class TestSettings:
    """Allowances come from the environment and a misspelt one fails at start."""

    def test_a_limit_that_does_not_parse_is_refused(self) -> None:
        with pytest.raises(ValueError, match="worker_per_address"):
            ThrottleSettings.model_validate({"worker_per_address": "lots"})

    def test_limits_are_read_from_nested_environment_variables(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ADUAN_THROTTLE__WRONG_SECRETS_PER_CODE", "7/hour")
        assert ServiceSettings().throttle.wrong_secrets_per_code == parse("7/hour")
