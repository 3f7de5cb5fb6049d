"""Generate the committed JSON Schema files and AsyncAPI document from the pydantic models.

Frontends in any language read these files; `tests/unit/test_contract.py` fails when they drift
from the models. Regenerate with `python -m schemas.generate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.envelope import CE_ID, CE_SOURCE, CE_SPECVERSION, CE_TIME, CE_TYPE, CORRELATION_ID
from schemas.topics import TOPICS, Topic

HERE = Path(__file__).parent
JSONSCHEMA_DIR = HERE / "jsonschema"
ASYNCAPI_PATH = HERE / "asyncapi.json"


def json_schema(topic: Topic) -> dict[str, Any]:
    schema = topic.model.model_json_schema(mode="serialization")
    schema["$id"] = f"https://aduan.example/schemas/{topic.name}.json"
    schema["x-topic"] = topic.name
    return schema


def _headers_schema() -> dict[str, Any]:
    props = {
        CE_ID: "event id (uuid); repeated ids are duplicates",
        CE_SOURCE: "producing service, /aduan/<service>",
        CE_TYPE: "topic name without the aduan. prefix",
        CE_TIME: "RFC 3339 time the event was produced",
        CE_SPECVERSION: "always 1.0",
        CORRELATION_ID: "id shared by every event caused by one submission (optional)",
    }
    return {
        "type": "object",
        "required": [CE_ID, CE_SOURCE, CE_TYPE, CE_SPECVERSION],
        "properties": {k: {"type": "string", "description": v} for k, v in props.items()},
    }


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        message_name = topic.model.__name__
        channel_id = topic.name.replace(".", "_")
        messages[message_name] = {
            "name": message_name,
            "title": topic.event_type,
            "summary": topic.summary,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"jsonschema/{topic.name}.json"},
            "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}}},
        }
        channels[channel_id] = {
            "address": topic.name,
            "description": (
                f"{topic.summary} Key: {topic.key}. Partitions: {topic.partitions}."
                f" Producers: {', '.join(topic.producers)}."
                f" Consumers: {', '.join(topic.consumers)}."
            ),
            "messages": {message_name: {"$ref": f"#/components/messages/{message_name}"}},
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{', '.join(topic.producers)} publish",
        }
        for consumer, why in topic.consumers.items():
            operations[f"receive_{channel_id}_{consumer.replace(' ', '_')}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{consumer} consumes",
                "description": f"{why[:1].upper()}{why[1:]}.",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Aduan event streams",
            "version": "1.0.0",
            "description": (
                "Complaint lifecycle events of the Aduan grievance platform. Key = complaint_id,"
                " CloudEvents 1.0 attributes as Kafka headers (binary mode), JSON bodies."
                " Failed events go to <topic>.dlq with x-dlq-* headers."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"CloudEventHeaders": _headers_schema()},
        },
    }


def rendered() -> dict[Path, str]:
    """Every generated file and its exact content."""
    files = {
        JSONSCHEMA_DIR / f"{t.name}.json": json.dumps(json_schema(t), indent=2, sort_keys=True)
        + "\n"
        for t in TOPICS
    }
    files[ASYNCAPI_PATH] = json.dumps(asyncapi(), indent=2) + "\n"
    return files


def main() -> None:
    JSONSCHEMA_DIR.mkdir(exist_ok=True)
    for path, content in rendered().items():
        path.write_text(content)
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
