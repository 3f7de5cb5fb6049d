"""The embedded stack's state on disk: `.aduan/stack.json` and the secrets that must persist.

Other tools (`aduan demo`, `aduan tail`, people with curl) read stack.json to find the endpoints
and the demo unions' API keys.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, SecretStr

DEFAULT_DATA_DIR = Path(".aduan")


class DemoUnion(BaseModel):
    union_id: str
    name: str
    federation: str
    api_key: str
    share_cases: bool = True


class StackState(BaseModel):
    started_at: datetime
    kafka_bootstrap_servers: str
    database_url: str
    services: dict[str, str]
    unions: dict[str, DemoUnion]
    pids: dict[str, int] = {}


# The four demo unions. They share cases with each other so a new union's first
# complaints already get advice from the others' (anonymised) experience.
DEMO_UNIONS = {
    "spn": ("Serikat Pekerja Nasional", "SPN"),
    "garteks": (
        "Federasi Serikat Buruh Garmen, Kerajinan, Tekstil, Kulit dan Sentra Industri",
        "KSBSI",
    ),
    "fsp_tsk": ("Federasi Serikat Pekerja Tekstil, Sandang dan Kulit", "KSPSI"),
    "japbusi": ("Jejaring Serikat Pekerja/Serikat Buruh Sawit Indonesia", "JAPBUSI"),
}


def state_path(data_dir: Path) -> Path:
    return data_dir / "stack.json"


def read_state(data_dir: Path = DEFAULT_DATA_DIR) -> StackState:
    path = state_path(data_dir)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: start the stack first with `aduan up`")
    return StackState.model_validate_json(path.read_text())


def write_state(data_dir: Path, state: StackState) -> None:
    path = state_path(data_dir)
    path.write_text(state.model_dump_json(indent=2))
    path.chmod(0o600)  # it holds API keys


# The embedded stack's keys for sealing dead letters and workers' contact details
# (services/runtime/sealing.py).
DEAD_LETTER_KEY = "dead_letter_key"
CONTACT_KEY = "contact_key"


def _secrets(path: Path) -> dict[str, str]:
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    return stored


def stored_secret(data_dir: Path, name: str) -> SecretStr | None:
    """A secret `persistent_secret` created earlier, or None; never creates one."""
    stored = _secrets(data_dir / "secrets.json")
    return SecretStr(stored[name]) if name in stored else None


def persistent_secret(data_dir: Path, name: str) -> str:
    """A random secret created on first use and kept in the data directory."""
    path = data_dir / "secrets.json"
    stored = _secrets(path)
    if name not in stored:
        stored[name] = secrets.token_urlsafe(32)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored[name]


def previous_union_keys(data_dir: Path) -> dict[str, str]:
    """The demo unions' keys from the last run, so a restart keeps them valid."""
    try:
        return {u.union_id: u.api_key for u in read_state(data_dir).unions.values()}
    except (FileNotFoundError, ValueError):
        return {}
