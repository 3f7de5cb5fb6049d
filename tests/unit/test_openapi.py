"""Every service's OpenAPI document says what each route answers: frontend developers and
operators read the shape of an answer there, and a route returning a bare dict shows an empty
object."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

# Routes that answer something other than JSON.
NOT_JSON = {"/metrics"}
# At least this many routes per service: a router that failed to mount would pass unnoticed.
MINIMUM_ROUTES = {"intake": 7, "triage": 3, "recommend": 3, "feedback": 15}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][
        ref.removeprefix("#/components/schemas/")
    ]
    return resolved


def _undeclared(document: dict[str, Any]) -> list[str]:
    missing = []
    for path, operations in document["paths"].items():
        if path in NOT_JSON:
            continue
        for method, operation in operations.items():
            successes = [code for code in operation["responses"] if code.startswith("2")]
            if not successes:
                missing.append(f"{method.upper()} {path}: no success status documented")
            for code in successes:
                content = operation["responses"][code].get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                resolved = _resolve(document, schema)
                if resolved.get("type") != "object" or not resolved.get("properties"):
                    missing.append(f"{method.upper()} {path} {code}: {schema}")
    return missing


class TestResponseSchemas:
    """Each route of each service declares a model for its success answer."""

    @pytest.mark.parametrize("service", sorted(MINIMUM_ROUTES))
    def test_every_route_declares_its_success_response(self, service: str) -> None:
        document = importlib.import_module(f"services.{service}.app").create_app().openapi()
        routes = sum(len(operations) for operations in document["paths"].values())
        assert routes >= MINIMUM_ROUTES[service], f"{service}'s routes are missing"
        assert _undeclared(document) == []
