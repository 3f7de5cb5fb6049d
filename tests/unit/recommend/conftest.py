"""Fixtures for recommend unit tests."""

from __future__ import annotations

import pytest

from services.runtime.embedding import Embedder, shared_embedder


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The real all-MiniLM embedder, loaded once per test session (seconds to load)."""
    return shared_embedder()
