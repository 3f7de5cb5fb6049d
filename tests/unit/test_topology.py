"""The topic registry (and the AsyncAPI document generated from it) tells the truth about who
consumes what: each service's real subscriptions are read from its app, not from a list."""

from __future__ import annotations

import importlib

import pytest

from schemas.topics import COMPLAINT_RESOLVED, COMPLAINT_SUBMITTED, TOPICS
from services.runtime.messaging import EventBus, UndeclaredTopic

SERVICES = ("intake", "triage", "recommend", "feedback")


def bus_of(service: str) -> EventBus:
    """`service`'s bus once its app is built (nothing is started)."""
    app = importlib.import_module(f"services.{service}.app").create_app()
    bus: EventBus = app.state.runtime.bus
    return bus


class TestConsumerEdges:
    """An analyst reading asyncapi.json sees every service that consumes a topic, and only those."""

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_registry_names_every_topic_the_service_consumes(self, service: str) -> None:
        declared = {t.name for t in TOPICS if service in t.consumers}
        assert bus_of(service).subscribed_topics() == declared

    def test_every_consumer_named_in_the_registry_is_a_service_or_an_outside_reader(self) -> None:
        outside = {"analysts", "federations", "union frontends"}
        named = {c for t in TOPICS for c in t.consumers}
        assert named <= set(SERVICES) | outside


class TestProducerEdges:
    """The registry names every service that publishes to a topic, and the code holds to it."""

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_registry_names_every_topic_the_service_produces(self, service: str) -> None:
        declared = {t.name for t in TOPICS if service in t.producers}
        assert bus_of(service).published_topics() == declared

    async def test_a_service_cannot_publish_to_a_topic_it_did_not_declare(self) -> None:
        """The check happens before the broker is asked, so no broker is needed here."""
        bus = bus_of("triage")
        with pytest.raises(UndeclaredTopic, match="triage publishes to"):
            await bus.publish_raw(COMPLAINT_RESOLVED.name, b"{}", None, {})

    def test_dead_letters_go_only_to_the_topics_it_consumes(self) -> None:
        bus = bus_of("triage")
        bus._check_declared(COMPLAINT_SUBMITTED.dlq)
        with pytest.raises(UndeclaredTopic):
            bus._check_declared(COMPLAINT_RESOLVED.dlq)
