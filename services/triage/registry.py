"""Versioned model storage: one folder per version, a CURRENT file naming the promoted one.

    <model_dir>/
        CURRENT                         -> "triage-20250101T120000Z-1a2b3c4d"
        triage-20250101T120000Z-1a2b3c4d/
            model.joblib
            metadata.json               training size, evaluation figures, created_at

Promotion writes CURRENT atomically (temp file + rename), so a worker reading it during a
promotion sees the old or the new version, never half a name.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.runtime.embedding import DEFAULT_MODEL
from services.triage.model import MODEL_FILE, TriageModel

CURRENT_FILE = "CURRENT"
METADATA_FILE = "metadata.json"
VERSION_PREFIX = "triage-"


def save_version(
    model: TriageModel, model_dir: Path, metadata: dict[str, Any] | None = None
) -> str:
    """Store `model` under its version name with its metadata; returns the version."""
    version = model.version
    target = model_dir / version
    model.save(target)
    record: dict[str, Any] = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_size": model.training_size,
        "word_lists": model.word_lists,
    }
    record.update(metadata or {})
    (target / METADATA_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False))
    return version


def promote(model_dir: Path, version: str) -> None:
    """Make `version` the one `load_current` returns."""
    if not (model_dir / version / MODEL_FILE).exists():
        raise FileNotFoundError(f"no saved model {version} in {model_dir}")
    fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=".CURRENT.")
    with os.fdopen(fd, "w") as handle:
        handle.write(version + "\n")
    os.replace(tmp, model_dir / CURRENT_FILE)


def current_version(model_dir: Path) -> str | None:
    path = model_dir / CURRENT_FILE
    if not path.exists():
        return None
    return path.read_text().strip() or None


def load_current(model_dir: Path) -> TriageModel | None:
    """The promoted model, or None when nothing has been promoted yet."""
    version = current_version(model_dir)
    if version is None:
        return None
    return TriageModel.load(model_dir / version)


def list_versions(model_dir: Path) -> list[dict[str, Any]]:
    """Metadata of every stored version, oldest first, with `current` marking the promoted one."""
    if not model_dir.exists():
        return []
    current = current_version(model_dir)
    versions = []
    for folder in sorted(model_dir.glob(VERSION_PREFIX + "*")):
        if not (folder / MODEL_FILE).exists():
            continue
        meta_path = folder / METADATA_FILE
        meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        meta.setdefault("version", folder.name)
        meta["current"] = folder.name == current
        versions.append(meta)
    return versions


class NoUsableModel(RuntimeError):
    """No promoted model this worker can use: the worker serves, it does not train."""


def load_promoted(model_dir: Path, embedding_model: str = DEFAULT_MODEL) -> TriageModel:
    """The promoted model, if it was trained for this release, its word lists and this
    encoder."""
    model = load_current(model_dir)
    if model is None or not model.up_to_date or model.embedding_model != embedding_model:
        found = (
            "none"
            if model is None
            else f"{model.version} (another release, other word lists or another encoder)"
        )
        raise NoUsableModel(
            f"no usable triage model in {model_dir} for encoder {embedding_model!r}: {found}."
            " Train and promote one first: aduan triage ensure-model"
        )
    return model
