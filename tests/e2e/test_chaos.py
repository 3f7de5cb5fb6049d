"""The short chaos run: SIGKILL of a triage worker, recommend, the broker and PostgreSQL under
load.

The embedded stack runs as `aduan up` runs it (its supervisor restarts what dies); complaints
come steadily over HTTP and Kafka, and a frontend's retry resends a refused one. Afterwards every
complaint intake accepted over HTTP is recommended exactly once. The full run (every process,
twice) is `python benchmarks/chaos.py`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import chaos


@pytest.fixture()
def stack(model_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """`aduan up` in a fresh data dir holding the session's triage model (no training)."""
    shutil.copytree(model_dir, tmp_path / "models" / "triage")
    running = chaos.start_chaos_stack(tmp_path)
    try:
        yield running
    finally:
        running.stop()


class TestChaos:
    """Kills under load lose no accepted complaint and double none."""

    async def test_nothing_is_lost_or_doubled_across_kills(self, stack: Any) -> None:
        result = await chaos.chaos(
            stack,
            ["triage", "recommend", "broker", "postgres"],
            rate=3.0,
            kafka_every=4,
            steady_s=3.0,
        )
        assert all(r["recovery_s"] is not None for r in result["rounds"]), result["rounds"]
        assert result["accepted_http"] > 20
        assert result["lost"] == 0, result["examples"]
        assert result["duplicated"] == 0, result["examples"]
