"""A running worker picks up a promoted model between events, and never trains twice."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError
from threadpoolctl import threadpool_info, threadpool_limits

from schemas.vocabulary import Category
from services.runtime.embedding import USE_MULTILINGUAL
from services.triage import registry
from services.triage.app import TriageSettings
from services.triage.examples import Example
from services.triage.model import (
    WORD_LISTS,
    WORD_LISTS_DIGEST,
    TriageModel,
    word_lists_digest,
)
from services.triage.offline.generator import generate
from services.triage.offline.training import ensure_model
from services.triage.registry import NoUsableModel
from services.triage.worker import ModelHolder


def blas_threads() -> list[int]:
    return [int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture
def models_copy(model_dir: Path, tmp_path: Path) -> Path:
    """The session's model folder, copied so a test may promote in it."""
    directory = tmp_path / "models"
    shutil.copytree(model_dir, directory)
    return directory


Retrainings = list[tuple[str, list[Example]]]


def encoders_and_ids(retrained: Retrainings) -> list[tuple[str, list[str | int | None]]]:
    """Each training's encoder and the ids of the corrections it took."""
    return [(encoder, [e.id for e in corrections]) for encoder, corrections in retrained]


class TestModelHolder:
    """Promotion by `aduan triage train` reaches workers without a restart."""

    def test_refresh_swaps_in_a_newly_promoted_version(
        self, model: TriageModel, models_copy: Path
    ) -> None:
        holder = ModelHolder(models_copy, USE_MULTILINGUAL)
        holder._model = ensure_model(models_copy)
        assert holder.refresh() is False, "nothing new promoted yet"

        newer = dataclasses.replace(model, version="triage-29990101T000000Z-newer000")
        registry.promote(models_copy, registry.save_version(newer, models_copy))
        assert holder.refresh() is True
        assert holder.model.version == "triage-29990101T000000Z-newer000"
        [result] = holder.model.classify(["lembur gak dibayar"])
        assert result.model_version == "triage-29990101T000000Z-newer000"

    def test_ensure_model_keeps_the_promoted_version(self, model_dir: Path) -> None:
        promoted = registry.current_version(model_dir)
        assert ensure_model(model_dir).version == promoted
        assert registry.current_version(model_dir) == promoted

    def test_loads_with_the_encoder_threads_it_was_given(self, model_dir: Path) -> None:
        """Workers sharing a machine split its cores (`ADUAN_ENCODER_THREADS`)."""
        holder = ModelHolder(model_dir, USE_MULTILINGUAL, threads=1)
        try:
            holder.cpu.submit(holder.load).result()
            assert holder.embedder.threads == 1
            assert holder.embedder.embed(["lembur gak dibayar"]).shape == (1, 512)
            assert holder.model.embedding_version == holder.embedder.version
        finally:
            holder.cpu.shutdown()

    def test_the_classifier_keeps_to_the_encoder_threads_too(self, model_dir: Path) -> None:
        """A poll's classification on one worker thread uses one BLAS thread, not every core."""
        before = threadpool_info()
        holder = ModelHolder(model_dir, USE_MULTILINGUAL, threads=1)
        try:
            holder.cpu.submit(holder.load).result()
            blas = holder.cpu.submit(blas_threads).result()
            assert blas and set(blas) == {1}
        finally:
            holder.cpu.shutdown()
            for pool in before:  # as it was for the tests after this one
                threadpool_limits(limits=pool["num_threads"], user_api=pool["user_api"])

    def test_a_model_of_another_encoder_is_replaced(
        self, models_copy: Path, retrained: Retrainings
    ) -> None:
        """Changing ADUAN_EMBEDDING_MODEL retrains triage instead of feeding it foreign vectors:
        a foreign model is replaced, by a model of the asked encoder."""
        text_only = TriageModel().train(generate(200, seed=4))
        registry.promote(models_copy, registry.save_version(text_only, models_copy))
        replaced = ensure_model(models_copy, USE_MULTILINGUAL)
        assert encoders_and_ids(retrained) == [(USE_MULTILINGUAL, [])]
        assert replaced.embedding_model == USE_MULTILINGUAL
        assert registry.current_version(models_copy) == replaced.version != text_only.version
        assert ensure_model(models_copy, USE_MULTILINGUAL) is not None
        assert encoders_and_ids(retrained) == [(USE_MULTILINGUAL, [])], (
            "a model of the right encoder is kept"
        )

    def test_a_model_of_other_word_lists_is_replaced(
        self, model: TriageModel, models_copy: Path, retrained: Retrainings
    ) -> None:
        """After an edit of the slang, cue or context lists, the model that counted the old ones
        is not served: the next ensure-model retrains it."""
        older = dataclasses.replace(
            model, version="triage-20000101T000000Z-oldlists", word_lists="0" * 16
        )
        registry.promote(models_copy, registry.save_version(older, models_copy))
        with pytest.raises(NoUsableModel, match="other word lists"):
            registry.load_promoted(models_copy, USE_MULTILINGUAL)
        assert ensure_model(models_copy, USE_MULTILINGUAL).version == model.version
        assert encoders_and_ids(retrained) == [(USE_MULTILINGUAL, [])]
        assert registry.load_promoted(models_copy, USE_MULTILINGUAL).word_lists == WORD_LISTS_DIGEST

    def test_a_replaced_model_keeps_the_officers_corrections(
        self, model: TriageModel, models_copy: Path, retrained: Retrainings
    ) -> None:
        """A release or a word-list edit retrains the model at the next `aduan up`; what officers
        corrected must not be forgotten then. The new default model fills in what they left
        unlabelled (the stale one reads other features), and a second training adds them."""
        older = dataclasses.replace(
            model, version="triage-20000101T000000Z-oldlists", word_lists="0" * 16
        )
        registry.promote(models_copy, registry.save_version(older, models_copy))
        corrected = Example(
            text="mandor pegang pegang badan saya di gudang",
            category=Category.HARASSMENT_GBV,
            id="c0ffee00-0000-4000-8000-000000000001",
        )
        taggers: list[TriageModel] = []

        def corrections_for(tagger: TriageModel) -> list[Example]:
            taggers.append(tagger)
            return [corrected]

        replaced = ensure_model(models_copy, USE_MULTILINGUAL, corrections_for=corrections_for)
        assert taggers == [model], "the freshly trained model, not the stale one, fills them in"
        assert encoders_and_ids(retrained) == [
            (USE_MULTILINGUAL, []),
            (USE_MULTILINGUAL, [corrected.id]),
        ]
        assert registry.current_version(models_copy) == replaced.version
        [promoted] = [meta for meta in registry.list_versions(models_copy) if meta["current"]]
        assert promoted["officer_corrections"] == [corrected.id]

    def test_without_corrections_one_training_is_enough(
        self, models_copy: Path, retrained: Retrainings
    ) -> None:
        text_only = TriageModel().train(generate(200, seed=4))
        registry.promote(models_copy, registry.save_version(text_only, models_copy))
        ensure_model(models_copy, USE_MULTILINGUAL, corrections_for=lambda tagger: [])
        assert encoders_and_ids(retrained) == [(USE_MULTILINGUAL, [])]

    def test_the_digest_reads_every_word_list(self, tmp_path: Path) -> None:
        """An edit of any one list changes the digest a model is checked against."""
        copies = [Path(shutil.copy(path, tmp_path / path.name)) for path in WORD_LISTS]
        assert word_lists_digest(copies) == WORD_LISTS_DIGEST
        for copy in copies:
            original = copy.read_text()
            copy.write_text(original + "\n# edited\n")
            assert word_lists_digest(copies) != WORD_LISTS_DIGEST, copy.name
            copy.write_text(original)


class TestServingOnly:
    """The worker serves the promoted model; training belongs to the offline tools."""

    def test_without_a_model_the_worker_says_what_to_run(self, tmp_path: Path) -> None:
        holder = ModelHolder(tmp_path / "empty", USE_MULTILINGUAL)
        try:
            with pytest.raises(NoUsableModel, match="aduan triage ensure-model"):
                holder.cpu.submit(holder.load).result()
        finally:
            holder.cpu.shutdown()

    def test_a_promoted_model_of_another_encoder_is_not_swapped_in(self, models_copy: Path) -> None:
        holder = ModelHolder(models_copy, USE_MULTILINGUAL)
        holder._model = registry.load_promoted(models_copy, USE_MULTILINGUAL)
        serving = holder.model.version
        text_only = TriageModel().train(generate(200, seed=5))
        registry.promote(models_copy, registry.save_version(text_only, models_copy))
        assert holder.refresh() is False
        assert holder.model.version == serving


class TestTriageSettings:
    """The worker's own settings, read from the environment like every service's."""

    def test_encoder_threads_default_to_the_library_and_refuse_zero(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert TriageSettings().encoder_threads is None
        monkeypatch.setenv("ADUAN_ENCODER_THREADS", "1")
        assert TriageSettings().encoder_threads == 1
        monkeypatch.setenv("ADUAN_ENCODER_THREADS", "0")
        with pytest.raises(ValidationError, match="ADUAN_ENCODER_THREADS"):
            TriageSettings()

    def test_the_older_setting_name_still_works(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ADUAN_TORCH_THREADS", "2")
        assert TriageSettings().encoder_threads == 2
