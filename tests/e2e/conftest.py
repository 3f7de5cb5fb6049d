"""What the end-to-end tests share: one trained model, and services run as real processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.stack.embedded import free_port
from services.stack.supervisor import Child, child_env
from services.triage.worker import ensure_model
from tests.conftest import TEST_HEARTBEAT_INTERVAL_MS, TEST_SESSION_TIMEOUT_MS
from tests.support import Infra

# Process start (torch import, model load) on two busy cores, then a Tansu group join (~7 s).
START_TIMEOUT_S = 120.0


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A promoted triage model, trained once for all end-to-end tests (~15 s)."""
    directory = tmp_path_factory.mktemp("models")
    ensure_model(directory)
    return directory


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
