"""Schemathesis against intake's and feedback's OpenAPI documents, on running processes.

Every operation is called with generated paths, queries and bodies, with a real union's key and
with a wrong one; path parameters often take the real id and tracking code of a complaint, so
the generator reaches the handlers and not only the 404s. The check is the one a worker relies
on: no server error, ever. A longer run:
`ADUAN_FUZZ_EXAMPLES=500 pytest tests/e2e/test_fuzz_http.py`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Stack, running_stack
from tests.support import Infra

EXAMPLES = int(os.environ.get("ADUAN_FUZZ_EXAMPLES", "20"))
# Operations that take no input worth generating.
SKIPPED = {"/metrics", "/asyncapi.json", "/health"}


@dataclass
class Target:
    stack: Stack
    known: dict[str, str]


@pytest.fixture()
async def target(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, model_dir: Path, tmp_path: Path
) -> AsyncIterator[Target]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    async with running_stack(infra, model_dir, tmp_path, "fuzz-tracking-key") as stack:
        async with httpx.AsyncClient(timeout=30) as http:
            accepted = (
                await http.post(
                    f"{stack.urls['intake']}/v1/complaints",
                    headers={"X-API-Key": stack.keys["spn"]},
                    json={"text": "lembur tidak dibayar tiga bulan", "idempotency_key": "fz-1"},
                )
            ).json()
        known = {
            "complaint_id": accepted["complaint_id"],
            "code": accepted["tracking_code"],
            "union_id": "spn",
            "federation": "SPN",
        }
        yield Target(stack, known)


def server_errors(target: Target, service: str, key: str) -> list[str]:
    """Call every operation of `service` EXAMPLES times; describe each 5xx."""
    base_url = target.stack.urls[service]
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.path in SKIPPED:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), use_known=st.booleans())
        def call(case: Any, use_known: bool) -> None:
            for name in case.path_parameters or {}:
                if use_known and name in target.known:
                    case.path_parameters[name] = target.known[name]
            case.headers = {**(case.headers or {}), "X-API-Key": key}
            response = case.call(base_url=base_url, timeout=30)
            if response.status_code >= 500:
                found.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        call()
    return found


class TestNoServerErrors:
    """Generated requests get answers (2xx or 4xx with a reason), never a 5xx."""

    async def test_every_operation_with_a_real_key_and_a_wrong_one(self, target: Target) -> None:
        errors = []
        for service in ("intake", "feedback"):
            errors += server_errors(target, service, target.stack.keys["spn"])
            errors += server_errors(target, service, "adu_spn_not-a-real-key")
        assert errors == []
