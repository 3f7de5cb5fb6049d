"""Shared fixtures: one trained model per test session keeps the suite fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.examples import DOMAIN_EXAMPLES
from services.triage import registry
from services.triage.examples import Example, load_examples
from services.triage.model import TriageModel
from services.triage.training import train_default_model


@pytest.fixture(scope="session")
def model() -> TriageModel:
    """The default model exactly as `aduan triage train` builds it (about a minute on 2 cores)."""
    return train_default_model(progress=False)


@pytest.fixture(scope="session")
def domain_examples() -> list[Example]:
    return load_examples(DOMAIN_EXAMPLES)


@pytest.fixture(scope="session")
def model_dir(model: TriageModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder with the session model saved and promoted, as the CLI expects."""
    directory = tmp_path_factory.mktemp("models")
    version = registry.save_version(model, directory, {"reason": "test"})
    registry.promote(directory, version)
    return directory
