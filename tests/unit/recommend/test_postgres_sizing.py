"""PostgreSQL settings in deploy/ and the embedded server hold the measured HNSW index sizes.

The sizes come from the scale benchmark's results file, so a re-run that finds a bigger index
makes this fail until the settings follow.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.stack.embedded import POSTGRES_SETTINGS

REPO = Path(__file__).resolve().parents[3]
RESULTS = REPO / "benchmarks" / "results" / "case_base_scale.json"
COMPOSE = REPO / "deploy" / "compose.yaml"
K8S_SETTINGS = REPO / "deploy" / "k8s" / "optional" / "postgres-settings.yaml"
MIB = 2**20
UNITS = {"kb": 2**10, "mb": MIB, "gb": 2**30}


def size_bytes(value: str) -> int:
    """Postgres / Docker memory sizes: '512MB', '4GB', '4gb'."""
    match = re.fullmatch(r"(\d+)\s*([kmg]b?)", value.strip().lower())
    assert match, value
    unit = match.group(2) if match.group(2).endswith("b") else match.group(2) + "b"
    return int(match.group(1)) * UNITS[unit]


def default_of(value: str) -> str:
    """`${VAR:-default}` -> default (compose interpolation)."""
    match = re.fullmatch(r"\$\{\w+:-([^}]+)\}", value)
    return match.group(1) if match else value


def measured(size: int) -> dict[str, Any]:
    run: dict[str, Any] = json.loads(RESULTS.read_text())["runs"][str(size)]
    return run


def needs(size: int) -> tuple[int, int]:
    """(shared_buffers for HNSW index + heap, maintenance_work_mem for the graph) at `size`."""
    run = measured(size)
    sizes = run["relation_bytes"]
    return sizes["hnsw"] + sizes["heap"], run["estimated_graph_mb"] * MIB


def compose_settings() -> dict[str, str]:
    postgres = yaml.safe_load(COMPOSE.read_text())["services"]["postgres"]
    flags = postgres["command"][1:]
    pairs = [flags[i + 1] for i in range(0, len(flags), 2) if flags[i] == "-c"]
    settings = {k: default_of(v) for k, v in (p.split("=", 1) for p in pairs)}
    settings["shm_size"] = default_of(postgres["shm_size"])
    return settings


@pytest.mark.skipif(not RESULTS.exists(), reason="no scale benchmark results")
class TestSizing:
    def test_compose_holds_a_million_cases(self) -> None:
        settings = compose_settings()
        buffers, graph = needs(1_000_000)
        assert size_bytes(settings["shared_buffers"]) >= buffers
        assert size_bytes(settings["maintenance_work_mem"]) >= graph
        # The parallel build's graph lives in /dev/shm.
        assert size_bytes(settings["shm_size"]) > size_bytes(settings["maintenance_work_mem"])

    def test_k8s_settings_are_the_compose_ones(self) -> None:
        conf = yaml.safe_load(K8S_SETTINGS.read_text())["data"]["aduan.conf"]
        values = dict(re.findall(r"^(\w+) = '([^']+)'$", conf, flags=re.M))
        compose = compose_settings()
        assert values == {k: compose[k] for k in ("shared_buffers", "maintenance_work_mem")}

    def test_embedded_server_holds_a_hundred_thousand_cases(self) -> None:
        buffers, graph = needs(100_000)
        assert size_bytes(POSTGRES_SETTINGS["shared_buffers"]) >= buffers
        assert size_bytes(POSTGRES_SETTINGS["maintenance_work_mem"]) >= graph

    def test_the_1m_build_did_not_spill_with_that_much_memory(self) -> None:
        run = measured(1_000_000)
        assert not run["index_build"]["spilled"]
        assert run["maintenance_work_mem_mb"] * MIB <= size_bytes(
            compose_settings()["maintenance_work_mem"]
        )
