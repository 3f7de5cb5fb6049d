from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.triage import registry
from services.triage.model import TriageModel


class TestRegistry:
    """Versions are stored side by side; exactly one is promoted."""

    def test_empty_dir_has_no_current(self, tmp_path: Path) -> None:
        assert registry.load_current(tmp_path) is None
        assert registry.list_versions(tmp_path) == []
        assert registry.list_versions(tmp_path / "missing") == []

    def test_save_promote_load_round_trip(self, tmp_path: Path, model: TriageModel) -> None:
        version = registry.save_version(model, tmp_path, {"evaluation": {"acc": 0.9}})
        assert version == model.version
        assert (tmp_path / version / "metadata.json").exists()
        registry.promote(tmp_path, version)

        loaded = registry.load_current(tmp_path)
        assert loaded is not None
        assert loaded.version == version
        text = ["pintu darurat digembok satpam"]
        assert loaded.classify(text) == model.classify(text)

    def test_metadata_records_training_and_evaluation(
        self, tmp_path: Path, model: TriageModel
    ) -> None:
        version = registry.save_version(model, tmp_path, {"evaluation": {"acc": 0.9}})
        meta = json.loads((tmp_path / version / "metadata.json").read_text())
        assert meta["training_size"] == model.training_size
        assert meta["evaluation"] == {"acc": 0.9}
        assert meta["created_at"]

    def test_list_versions_marks_current(self, tmp_path: Path, model: TriageModel) -> None:
        version = registry.save_version(model, tmp_path)
        (tmp_path / "triage-00000000T000000Z-deadbeef").mkdir()  # half-written: ignored
        assert [v["current"] for v in registry.list_versions(tmp_path)] == [False]
        registry.promote(tmp_path, version)
        (listed,) = registry.list_versions(tmp_path)
        assert listed["version"] == version and listed["current"] is True

    def test_promoting_unknown_version_fails(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            registry.promote(tmp_path, "triage-nope")
