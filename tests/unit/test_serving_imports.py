"""Serving code and offline tools are kept apart: a service's process loads no training,
generator, evaluation or starter-case code, and only the command line reaches for them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SERVICES = Path(__file__).parents[2] / "services"
SERVICE_NAMES = ("intake", "triage", "recommend", "feedback", "web")
# Packages of tools run by hand or by a one-shot job, never by a serving process.
OFFLINE_PACKAGES = (
    "services.triage.offline",
    "services.recommend.offline",
    "services.triage.corpus",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _offline(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in OFFLINE_PACKAGES)


def _is_offline_or_cli(path: Path) -> bool:
    module = ".".join(path.relative_to(SERVICES.parent).with_suffix("").parts)
    return _offline(module) or path.name == "cli.py"


class TestServingPath:
    """What `aduan serve <service>` runs."""

    @pytest.mark.parametrize("service", SERVICE_NAMES)
    def test_a_service_process_loads_no_offline_tool(self, service: str) -> None:
        """Checked in a fresh interpreter: this test session has imported them already."""
        probe = (
            f"import sys, services.{service}.app;"
            "print(sorted(m for m in sys.modules if m.startswith('services.')))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        loaded = ast.literal_eval(result.stdout.strip().splitlines()[-1])
        assert [m for m in loaded if _offline(m)] == []

    def test_only_offline_tools_and_the_command_line_import_offline_tools(self) -> None:
        """E.g. no serving module imports the generator, even lazily inside a function."""
        offenders = {
            str(path.relative_to(SERVICES.parent)): sorted(n for n in _imports(path) if _offline(n))
            for path in SERVICES.rglob("*.py")
            if not _is_offline_or_cli(path)
        }
        assert {path: names for path, names in offenders.items() if names} == {}
