"""Triage fixtures (the trained session model and its folder are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from schemas.examples import DOMAIN_EXAMPLES
from services.triage.examples import Example, load_examples


@pytest.fixture(scope="session")
def domain_examples() -> list[Example]:
    return load_examples(DOMAIN_EXAMPLES)
