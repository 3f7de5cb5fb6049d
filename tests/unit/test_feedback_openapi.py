"""Feedback's OpenAPI document: every route says what it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.feedback.app import create_app
from services.feedback.responses import ComplaintSla, SlaClock


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


class TestResponseSchemas:
    """Frontend developers read the shape of each answer from the OpenAPI document: a route that
    returns a bare dict shows them an empty object, so every /v1 route must declare a model."""

    def test_every_v1_route_declares_its_success_response(self) -> None:
        document = create_app().openapi()
        routes = [
            (method.upper(), path, operation)
            for path, operations in document["paths"].items()
            if path.startswith("/v1/")
            for method, operation in operations.items()
        ]
        assert len(routes) >= 12, "feedback's routes are missing from its OpenAPI document"
        undeclared = []
        for method, path, operation in routes:
            successes = [code for code in operation["responses"] if code.startswith("2")]
            assert successes, f"{method} {path} documents no success status"
            for code in successes:
                content = operation["responses"][code].get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                resolved = _resolve(document, schema)
                if resolved.get("type") != "object" or not resolved.get("properties"):
                    undeclared.append(f"{method} {path} {code}: {schema}")
        assert not undeclared, "routes without a response model:\n" + "\n".join(undeclared)


class TestWireFormat:
    """The answers kept the strings they had before they had models."""

    def test_instants_are_written_as_isoformat_writes_them(self) -> None:
        at = datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
        clock = SlaClock(
            status="pending",
            round=0,
            started_at=at,
            stopped_at=None,
            target_hours=27.0,
            deadline=at,
            working_hours_used=1.5,
            breach_published=False,
        )
        answer = ComplaintSla(
            complaint_id=uuid4(),
            priority=None,
            reopen_count=0,
            waiting_on_worker=False,
            as_of=at,
            first_response=clock,
            resolution=clock,
        ).model_dump(mode="json")
        assert answer["as_of"] == at.isoformat() == "2026-12-05T11:30:00+00:00"
        assert answer["first_response"]["deadline"] == at.isoformat()
        assert answer["first_response"]["stopped_at"] is None
