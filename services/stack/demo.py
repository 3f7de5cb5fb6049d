"""`aduan demo`: send the 40 labelled example complaints to a running stack and show what happens.

Each example goes to intake over HTTP with one of the demo unions' keys (by sector), then the
demo follows the complaint until its recommendation arrives and prints the category, tags,
priority and top actions as each one completes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from schemas.examples import DOMAIN_EXAMPLES
from schemas.vocabulary import Priority
from services.stack.state import StackState

console = Console()

UNION_BY_SECTOR = {
    "garment": ("spn", "garteks"),
    "footwear": ("fsp_tsk",),
    "palm_oil": ("japbusi",),
}
POLL_SECONDS = 0.5
PRIORITY_STYLE = {Priority.P1: "bold red", Priority.P2: "yellow", Priority.P3: "green"}


def load_examples(path: Path = DOMAIN_EXAMPLES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def union_for(example: dict[str, Any], index: int) -> str:
    choices = UNION_BY_SECTOR.get(example.get("sector", ""), ("spn",))
    return choices[index % len(choices)]


async def submit(
    client: httpx.AsyncClient,
    state: StackState,
    example: dict[str, Any],
    union_id: str,
    run_id: str,
) -> str:
    response = await client.post(
        f"{state.services['intake']}/v1/complaints",
        headers={"X-API-Key": state.unions[union_id].api_key},
        json={
            "text": example["text"],
            "sector": example["sector"],
            "channel": "app",
            "idempotency_key": f"demo-{run_id}-{example['id']}",
        },
    )
    response.raise_for_status()
    complaint_id: str = response.json()["complaint_id"]
    return complaint_id


async def follow(
    client: httpx.AsyncClient, state: StackState, complaint_id: str, union_id: str, timeout: float
) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = await client.get(
            f"{state.services['intake']}/v1/complaints/{complaint_id}",
            headers={"X-API-Key": state.unions[union_id].api_key},
        )
        view: dict[str, Any] = response.json()
        # Triage and recommendation arrive on different topics, in either order.
        if view.get("recommendation") and view.get("triage"):
            return view
        await asyncio.sleep(POLL_SECONDS)
    return None


def row(example: dict[str, Any], view: dict[str, Any] | None, seconds: float) -> list[str]:
    if view is None:
        return [str(example["id"]), example["text"][:60], "[red]timed out[/]", "", "", ""]
    triage = view["triage"]
    actions = [a["action"] for a in view["recommendation"]["actions"][:3]]
    priority = Priority(triage["priority"])
    return [
        str(example["id"]),
        example["text"][:60] + "…",
        triage["category"],
        ", ".join(triage["tags"][:5]),
        f"[{PRIORITY_STYLE[priority]}]{priority.value}[/]",
        "\n".join(actions) + f"\n[dim]{seconds:.1f}s[/]",
    ]


async def run(state: StackState, limit: int | None, timeout: float) -> int:
    examples = load_examples()[:limit]
    run_id = uuid.uuid4().hex[:8]
    table = Table("#", "complaint", "category", "tags", "prio", "top actions", show_lines=True)
    done = 0
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(
            i: int, example: dict[str, Any]
        ) -> tuple[dict[str, Any], dict[str, Any] | None, float]:
            union_id = union_for(example, i)
            started = time.monotonic()
            complaint_id = await submit(client, state, example, union_id, run_id)
            view = await follow(client, state, complaint_id, union_id, timeout)
            return example, view, time.monotonic() - started

        tasks = [asyncio.create_task(one(i, ex)) for i, ex in enumerate(examples)]
        for finished in asyncio.as_completed(tasks):
            example, view, seconds = await finished
            done += view is not None
            console.print(
                f"#{example['id']:>2} "
                + " | ".join(cell for cell in row(example, view, seconds)[2:5])
            )
            table.add_row(*row(example, view, seconds))
    console.print(table)
    console.print(f"{done}/{len(examples)} complaints triaged and recommended")
    return done
