"""The topic registry (and the AsyncAPI document generated from it) tells the truth about who
consumes what: each service's real subscriptions are read from its app, not from a list."""

from __future__ import annotations

import importlib

import pytest

from schemas.topics import TOPICS

SERVICES = ("intake", "triage", "recommend", "feedback")


def subscriptions(service: str) -> set[str]:
    """The topics `service` subscribes to once its app is built (nothing is started)."""
    app = importlib.import_module(f"services.{service}.app").create_app()
    subscribed: set[str] = app.state.runtime.bus.subscribed_topics()
    return subscribed


class TestConsumerEdges:
    """An analyst reading asyncapi.json sees every service that consumes a topic, and only those."""

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_registry_names_every_topic_the_service_consumes(self, service: str) -> None:
        declared = {t.name for t in TOPICS if service in t.consumers}
        assert subscriptions(service) == declared

    def test_every_consumer_named_in_the_registry_is_a_service_or_an_outside_reader(self) -> None:
        outside = {"analysts", "federations", "union frontends"}
        named = {c for t in TOPICS for c in t.consumers}
        assert named <= set(SERVICES) | outside
