"""`aduan tail TOPIC`: print a topic's events as people read them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from rich.console import Console
from rich.syntax import Syntax

from schemas.topics import DLQ_SUFFIX, topic_named
from services.runtime.sealing import SEALED, WITHHELD

console = Console()

# A 384-float embedding would fill the screen; show its start only.
VECTOR_PREVIEW = 3


def shorten(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: shorten(v) for k, v in body.items()}
    if isinstance(body, list) and len(body) > 16 and all(isinstance(v, float) for v in body):
        return [*body[:VECTOR_PREVIEW], f"… {len(body) - VECTOR_PREVIEW} more"]
    if isinstance(body, list):
        return [shorten(v) for v in body]
    return body


def render(record: ConsumerRecord[bytes, bytes]) -> None:
    headers = {k: v.decode(errors="replace") for k, v in record.headers}
    key = record.key.decode(errors="replace") if record.key else "-"
    console.rule(
        f"[bold]{headers.get('ce_type', record.topic)}[/]  key={key}  "
        f"p{record.partition}@{record.offset}  {headers.get('ce_time', '')}"
    )
    for name, value in headers.items():
        if name.startswith("x-dlq-"):
            console.print(f"[red]{name}[/]: {value}")
    if headers.get("x-dlq-body") in (SEALED, WITHHELD):
        console.print(f"(body {headers['x-dlq-body']}: `aduan dlq replay` restores sealed ones)")
        return
    try:
        body = shorten(json.loads(record.value or b""))
        console.print(
            Syntax(json.dumps(body, indent=2, ensure_ascii=False), "json", word_wrap=True)
        )
    except ValueError:
        console.print(repr(record.value))


async def tail(bootstrap: str, topic: str, *, from_beginning: bool, limit: int | None) -> int:
    """Print events until `limit` were shown (or forever); return how many were shown."""
    base = topic.removesuffix(DLQ_SUFFIX)
    topic_named(base)  # refuse unknown topics with the list of known ones
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    shown = 0
    try:
        async for record in consumer:
            render(record)
            shown += 1
            if limit is not None and shown >= limit:
                break
    finally:
        await consumer.stop()
    return shown


def run_tail(bootstrap: str, topic: str, from_beginning: bool, limit: int | None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(tail(bootstrap, topic, from_beginning=from_beginning, limit=limit))
