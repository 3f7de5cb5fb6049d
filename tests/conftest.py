"""Fixtures shared by all Aduan tests.

Infrastructure is resolved once per session, cheapest real option first:

* Kafka (``kafka_bootstrap``): ``$KAFKA_BOOTSTRAP_SERVERS`` -> embedded Tansu broker ->
  testcontainers Kafka (only when Docker is reachable). Skips with the reasons otherwise.
* PostgreSQL (``postgres_server_url``): ``$DATABASE_URL`` -> embedded pgserver (PostgreSQL 18 +
  pgvector) -> testcontainers ``pgvector/pgvector`` image. Skips with the reasons otherwise.

Tests never share Kafka names or databases: ``topic_prefix``/``unique_group`` give per-test
topic and consumer-group names, and ``database_url`` a fresh database dropped afterwards. That
keeps tests independent of each other and of data left on an external broker/server.

Nothing here starts before a test asks for it, so unit tests stay infrastructure-free.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest

from services.stack.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    ensure_database,
    with_database,
)
from tests.session_model import ModelTraining, model_modules_last

if TYPE_CHECKING:  # the model's modules load torch: only the tests that need it pay for it
    from services.triage.examples import Example
    from services.triage.model import TriageModel

TESTS_DIR = Path(__file__).parent
MODEL_TRAINING = pytest.StashKey[ModelTraining]()

# Consumer-group timings for tests. Group joins are paced by the session timeout: on Tansu 0.6
# a fresh group's first join takes ~session_timeout_ms / 2 (rounded up to whole seconds: 2.0 s
# at 3000 ms, 5.0 s at the 10 s client default), and the *second* consumer to join a group
# after the first one left takes ~7 s at 3000 ms (~18 s at 10 s) before later joins are fast
# again. A dead member is evicted only after session_timeout_ms. 3 s keeps these waits short
# while staying well above the heartbeat interval, so slow CI machines see no spurious
# rebalances.
TEST_SESSION_TIMEOUT_MS = 3000
# Kafka requires heartbeat_interval_ms < session_timeout_ms, recommends <= 1/3 of it.
TEST_HEARTBEAT_INTERVAL_MS = 1000
# Upper bound for waiting on records in tests: a slow group join (~7 s) plus CI slack.
TEST_CONSUME_TIMEOUT_S = 20.0

# The image must ship pgvector: the services store embeddings in `vector` columns.
PGVECTOR_IMAGE = "pgvector/pgvector:pg17"
# Single-node Kafka (KRaft) image for the container fallback.
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by directory: tests/integration -> ``integration``, tests/e2e -> ``e2e``.

    So ``pytest -m "not integration and not e2e"`` runs the unit tests alone. When some test
    needs the triage model, its training starts now and those tests' modules run last.
    """
    if model_modules_last(items) and not config.option.collectonly:
        config.stash[MODEL_TRAINING] = ModelTraining()
    for item in items:
        try:
            first = item.path.relative_to(TESTS_DIR).parts[0]
        except (ValueError, IndexError):
            continue
        if first == "integration":
            item.add_marker(pytest.mark.integration)
        elif first == "e2e":
            item.add_marker(pytest.mark.e2e)


def pytest_unconfigure(config: pytest.Config) -> None:
    if training := config.stash.get(MODEL_TRAINING, None):
        training.stop()


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _docker_unavailable_reason() -> str | None:
    """None when a Docker engine answers, else why not (testcontainers needs one)."""
    try:
        import docker
    except ImportError:
        return "the docker SDK is not installed"
    try:
        docker.from_env().ping()
    except Exception as exc:
        return f"no Docker engine reachable ({exc.__class__.__name__}: {exc})"
    return None


# -- Kafka --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a Kafka-protocol broker for the whole session.

    Order: ``$KAFKA_BOOTSTRAP_SERVERS``; an embedded Tansu broker (in-memory, ~50 ms start);
    testcontainers Kafka when Docker is available. Tansu does not support idempotent or
    transactional producers, so tests must not rely on them.
    """
    if external := _env("KAFKA_BOOTSTRAP_SERVERS"):
        yield external
        return

    reasons = ["$KAFKA_BOOTSTRAP_SERVERS is not set"]
    with ExitStack() as stack:
        try:
            broker = EmbeddedBroker(tmp_path_factory.mktemp("tansu"))
            stack.enter_context(broker)
        except Exception as exc:
            reasons.append(f"embedded Tansu failed: {exc}")
        else:
            yield broker.bootstrap_servers
            return

        try:
            from testcontainers.kafka import KafkaContainer
        except ImportError:
            reasons.append("testcontainers is not installed")
            pytest.skip("no Kafka broker for integration tests: " + "; ".join(reasons))
        if docker_reason := _docker_unavailable_reason():
            reasons.append(docker_reason)
            pytest.skip("no Kafka broker for integration tests: " + "; ".join(reasons))
        container = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
        yield container.get_bootstrap_server()


@pytest.fixture()
def topic_prefix() -> str:
    """Unique topic-name prefix for one test, e.g. ``t1a2b3c4d.``; use as ``f"{prefix}intake"``."""
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture()
def group_suffix() -> str:
    """Unique suffix for consumer-group ids of one test (groups outlive consumers on a broker)."""
    return uuid.uuid4().hex[:8]


@pytest.fixture()
def unique_group(group_suffix: str) -> Callable[[str], str]:
    """``unique_group("triage")`` -> ``"triage.<suffix>"``: same name, same group within a test."""

    def make(name: str) -> str:
        return f"{name}.{group_suffix}"

    return make


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server with pgvector available, for the whole session.

    Order: ``$DATABASE_URL`` (its database is used only to create others); an embedded pgserver
    (~1 s first start); testcontainers ``pgvector/pgvector`` when Docker is available. Do not use
    the URL's own database for test data: take ``database_url`` instead.
    """
    if external := _env("DATABASE_URL"):
        yield external
        return

    reasons = ["$DATABASE_URL is not set"]
    with ExitStack() as stack:
        # A short path outside pytest's basetemp: the unix socket lives in the data directory
        # (paths are limited to ~107 bytes), and as root pgserver opens up the directory's
        # parents for its `pgserver` user, which would fight pytest's 0700 on its basetemp.
        base = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        try:
            server = EmbeddedPostgres(base / "data")
            stack.enter_context(server)
        except Exception as exc:
            reasons.append(f"embedded pgserver failed: {exc}")
        else:
            yield server.url
            return

        try:
            from testcontainers.postgres import (
                PostgresContainer,
            )
        except ImportError:
            reasons.append("testcontainers is not installed")
            pytest.skip("no PostgreSQL for integration tests: " + "; ".join(reasons))
        if docker_reason := _docker_unavailable_reason():
            reasons.append(docker_reason)
            pytest.skip("no PostgreSQL for integration tests: " + "; ".join(reasons))
        container = stack.enter_context(PostgresContainer(PGVECTOR_IMAGE, driver=None))
        yield container.get_connection_url()


@pytest.fixture()
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A fresh, empty database with the ``vector`` extension; dropped (WITH FORCE) afterwards."""
    dbname = f"test_{uuid.uuid4().hex[:12]}"
    await ensure_database(postgres_server_url, dbname, extensions=("vector",))
    try:
        yield with_database(postgres_server_url, dbname)
    finally:
        conn = await asyncpg.connect(postgres_server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        finally:
            await conn.close()


# -- The triage model -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_dir(pytestconfig: pytest.Config) -> Path:
    """A model folder with the default model saved and promoted, exactly as `aduan triage train`
    builds it, as the CLI and workers expect (trained beside the other tests, session_model.py).
    """
    training = pytestconfig.stash.get(MODEL_TRAINING, None)
    if training is None:  # asked for by name at run time, not seen at collection
        training = pytestconfig.stash[MODEL_TRAINING] = ModelTraining()
    return training.wait()


@pytest.fixture(scope="session")
def model(pytestconfig: pytest.Config, model_dir: Path) -> TriageModel:
    """The session's model as trained (a test may promote another one in `model_dir` later)."""
    from services.triage.model import TriageModel

    trained = pytestconfig.stash[MODEL_TRAINING].trained
    assert trained is not None
    return TriageModel.load(trained)


@pytest.fixture
def retrained(
    model: TriageModel, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, list[Example]]]:
    """The trainings `ensure_model` runs, each as (encoder asked for, corrections given). The
    session's model stands in for every one: what is under test is which model gets replaced,
    and with what data, not training itself."""
    from collections.abc import Sequence

    from services.triage.offline import training

    trainings: list[tuple[str, list[Example]]] = []

    def train_default_model(
        progress: bool, embedding_model: str, corrections: Sequence[Example] = ()
    ) -> TriageModel:
        trainings.append((embedding_model, list(corrections)))
        return model

    monkeypatch.setattr(training, "train_default_model", train_default_model)
    return trainings
