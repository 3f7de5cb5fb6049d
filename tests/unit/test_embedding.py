"""The embedder's int8 variant: faster on int8-capable CPUs, close to the float vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from services.runtime.embedding import DEFAULT_MODEL, INT8_SUFFIX, Embedder

DOMAIN_EXAMPLES = Path(__file__).resolve().parents[2] / "schemas/examples/domain_examples.jsonl"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = DOMAIN_EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


class TestInt8Embedder:
    """`ADUAN_EMBEDDING_MODEL=<model>+int8` trades a little fidelity for speed, visibly."""

    def test_vectors_stay_close_to_the_float_model(self, texts: list[str]) -> None:
        exact = Embedder(DEFAULT_MODEL).embed(texts)
        int8 = Embedder(DEFAULT_MODEL + INT8_SUFFIX).embed(texts)
        assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(exact * int8, axis=1)
        assert cosine.mean() > 0.97 and cosine.min() > 0.93
        assert not np.allclose(exact, int8), "the int8 path must really be a different model"

    def test_its_vectors_never_mix_with_the_float_ones(self) -> None:
        exact, int8 = Embedder(DEFAULT_MODEL), Embedder(DEFAULT_MODEL + INT8_SUFFIX)
        assert int8.version != exact.version
        assert int8.version.startswith("all-MiniLM-L6-v2+int8@")
        assert exact.version.startswith("all-MiniLM-L6-v2@")

    def test_feed_forward_outputs_stay_in_float(self) -> None:
        model = Embedder(DEFAULT_MODEL + INT8_SUFFIX).model
        layer = {
            name.split("encoder.layer.0.")[1]: type(module)
            for name, module in model.named_modules()
            if "encoder.layer.0." in name and name.endswith(("dense", "query"))
        }
        quantized = torch.ao.nn.quantized.dynamic.Linear
        assert layer["attention.self.query"] is quantized
        assert layer["intermediate.dense"] is quantized
        assert layer["attention.output.dense"] is quantized
        assert layer["output.dense"] is torch.nn.Linear
