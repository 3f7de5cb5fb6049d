"""The event contract: generated files match the models, and real complaints fit it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import generate
from schemas.events import ComplaintReceived, ComplaintTriaged
from schemas.examples import DOMAIN_EXAMPLES
from schemas.topics import TOPICS, all_topic_partitions, topic_for, topic_named
from schemas.vocabulary import Action, Category, Tag


def domain_examples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DOMAIN_EXAMPLES.read_text().splitlines() if line.strip()]


class TestGeneratedFiles:
    """Frontends in other languages read the committed JSON Schema and AsyncAPI files."""

    @pytest.mark.parametrize("path", sorted(generate.rendered()), ids=lambda p: p.name)
    def test_committed_file_matches_the_models(self, path: Path) -> None:
        expected = generate.rendered()[path]
        assert path.exists(), f"{path.name} missing: run `python -m schemas.generate`"
        drifted = f"{path.name} drifted: run `python -m schemas.generate`"
        assert path.read_text() == expected, drifted

    def test_asyncapi_documents_every_topic(self) -> None:
        document = generate.asyncapi()
        addresses = {c["address"] for c in document["channels"].values()}
        assert addresses == {t.name for t in TOPICS}

    def test_who_consumes_a_topic_and_why_is_in_the_committed_document(self) -> None:
        """An analyst answers "who consumes resolved, and why" from asyncapi.json alone."""
        document = json.loads(generate.ASYNCAPI_PATH.read_text())
        channel = next(
            ref
            for ref, c in document["channels"].items()
            if c["address"] == "aduan.complaint.resolved.v1"
        )
        readers = {
            op["summary"].removesuffix(" consumes"): op["description"]
            for op in document["operations"].values()
            if op["action"] == "receive" and op["channel"]["$ref"] == f"#/channels/{channel}"
        }
        assert set(readers) == {"recommend", "intake", "feedback"}
        assert "case base" in readers["recommend"]
        assert "resolution clock" in readers["feedback"]


class TestTopicRegistry:
    """Topic names are versioned and every event model has exactly one topic."""

    def test_names_are_versioned(self) -> None:
        assert all(t.name.startswith("aduan.") and t.name.endswith(".v1") for t in TOPICS)

    def test_every_topic_has_a_dead_letter_topic(self) -> None:
        names = {name for name, _ in all_topic_partitions()}
        assert all(t.dlq in names for t in TOPICS)

    def test_lookup_by_model_and_by_name(self) -> None:
        assert topic_for(ComplaintTriaged).name == "aduan.complaint.triaged.v1"
        with pytest.raises(KeyError, match="known"):
            topic_named("aduan.nope.v1")


class TestDomainExamples:
    """The forty labelled examples are valid submissions and valid labels."""

    def test_there_are_forty(self) -> None:
        assert len(domain_examples()) == 40

    @pytest.mark.parametrize("example", domain_examples(), ids=lambda e: f"example-{e['id']}")
    def test_example_validates_as_a_received_event(self, example: dict[str, Any]) -> None:
        ComplaintReceived(
            union_id="spn",
            idempotency_key=f"ex-{example['id']}",
            text=example["text"],
            sector=example["sector"],
        )

    @pytest.mark.parametrize("example", domain_examples(), ids=lambda e: f"example-{e['id']}")
    def test_labels_stay_in_the_vocabulary(self, example: dict[str, Any]) -> None:
        Category(example["category"])
        assert all(Category(c) for c in example["secondary"])
        assert all(Tag(t) for t in example["tags"])
        assert all(Action(a) for a in example.get("actions", []))

    def test_unknown_fields_and_short_texts_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            ComplaintReceived(union_id="spn", idempotency_key="k", text="hi")
        with pytest.raises(ValidationError):
            ComplaintReceived.model_validate(
                {"union_id": "spn", "idempotency_key": "k", "text": "gaji telat lagi", "x": 1}
            )
