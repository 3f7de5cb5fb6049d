"""What the end-to-end tests share: one trained model, and services run as real processes."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from services.intake.cli import register
from services.stack.embedded import free_port
from services.stack.supervisor import SERVICES, Child, child_env, stop_all, wait_healthy
from tests.conftest import TEST_HEARTBEAT_INTERVAL_MS, TEST_SESSION_TIMEOUT_MS
from tests.support import CONTACT_KEY, Infra

# Process start (torch import, model load) on two busy cores, then a Tansu group join (~7 s).
START_TIMEOUT_S = 120.0


def service_env(infra: Infra, model_dir: Path, tracking_key: str, **extra: str) -> dict[str, str]:
    """The environment of a service process on this test's broker, database and topics."""
    return child_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
            "DATABASE_URL": infra.database_url,
            "ADUAN_TOPIC_PREFIX": infra.prefix,
            "ADUAN_CONSUMER_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS),
            "ADUAN_CONSUMER_HEARTBEAT_INTERVAL_MS": str(TEST_HEARTBEAT_INTERVAL_MS),
            "ADUAN_TRACKING_KEY": tracking_key,
            "ADUAN_MODEL_DIR": str(model_dir),
            "ADUAN_OUTBOX_POLL_SECONDS": "0.2",
            "ADUAN_CONTACT_KEYS": json.dumps([CONTACT_KEY.get_secret_value()]),
            **extra,
        }
    )


def start_service(name: str, env: dict[str, str], log: Path) -> Child:
    port = free_port()
    child = Child(name, port, {**env, "ADUAN_HTTP_PORT": str(port)}, log)
    child.start()
    return child


def log_tails(children: list[Child]) -> str:
    return "\n".join(f"--- {c.log_path.name}\n{c.log_path.read_text()[-3000:]}" for c in children)


STARTER_CASES = Path(__file__).resolve().parents[2] / "services/recommend/data/starter_cases.jsonl"
# Enough cases for every category to have neighbours, few enough to embed in seconds.
CASES_FOR_TEST = 120


@dataclass
class Stack:
    urls: dict[str, str]
    keys: dict[str, str]
    infra: Infra
    model_dir: Path


@asynccontextmanager
async def running_stack(
    infra: Infra,
    model_dir: Path,
    tmp_path: Path,
    tracking_key: str,
    *,
    unions: tuple[str, ...] = ("spn", "japbusi"),
    with_web: bool = False,
    settings: dict[str, str] | None = None,
) -> AsyncIterator[Stack]:
    """The four services as processes on the test's broker and database, with `unions`
    registered and the first 120 starter cases loaded; the web frontend too if asked.
    `settings`: extra `ADUAN_*` environment for every service."""
    await infra.create_topics()
    keys = {
        u: (
            await register(infra.database_url, u, u.upper(), federation=u.upper(), share_cases=True)
        ).api_key
        for u in unions
    }
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(itertools.islice(STARTER_CASES.open(), CASES_FOR_TEST)))
    env = service_env(infra, model_dir, tracking_key, **(settings or {}))
    load = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "recommend", "load-cases", str(cases), env=env
    )
    assert await load.wait() == 0
    children = [start_service(name, env, tmp_path / f"{name}.log") for name in SERVICES]
    try:
        late = await asyncio.to_thread(wait_healthy, children, START_TIMEOUT_S)
        assert not late, log_tails(late)
        urls = {c.name: c.url for c in children}
        if with_web:
            web_env = {
                **env,
                "ADUAN_INTAKE_URL": urls["intake"],
                "ADUAN_FEEDBACK_URL": urls["feedback"],
                "ADUAN_WEB_UNION_KEYS": json.dumps(keys),
            }
            children.append(start_service("web", web_env, tmp_path / "web.log"))
            late = await asyncio.to_thread(wait_healthy, children[-1:], START_TIMEOUT_S)
            assert not late, log_tails(late)
            urls["web"] = children[-1].url
        yield Stack(urls, keys, infra, model_dir)
    finally:
        stop_all(children)
