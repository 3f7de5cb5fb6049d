"""Sentence encoders: the multilingual ones the project ships, and MiniLM's int8 variant."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from services.runtime.embedding import (
    E5_SMALL,
    INT8_SUFFIX,
    MINILM,
    USE_MULTILINGUAL,
    Embedder,
)

DOMAIN_EXAMPLES = Path(__file__).resolve().parents[2] / "schemas/examples/domain_examples.jsonl"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = DOMAIN_EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


class TestInt8Embedder:
    """`ADUAN_EMBEDDING_MODEL=<model>+int8` trades a little fidelity for speed, visibly."""

    def test_vectors_stay_close_to_the_float_model(self, texts: list[str]) -> None:
        exact = Embedder(MINILM).embed(texts)
        int8 = Embedder(MINILM + INT8_SUFFIX).embed(texts)
        assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(exact * int8, axis=1)
        assert cosine.mean() > 0.97 and cosine.min() > 0.93
        assert not np.allclose(exact, int8), "the int8 path must really be a different model"

    def test_its_vectors_never_mix_with_the_float_ones(self) -> None:
        exact, int8 = Embedder(MINILM), Embedder(MINILM + INT8_SUFFIX)
        assert int8.version != exact.version
        assert int8.version.startswith("all-MiniLM-L6-v2+int8@")
        assert exact.version.startswith("all-MiniLM-L6-v2@")

    def test_feed_forward_outputs_stay_in_float(self) -> None:
        model = Embedder(MINILM + INT8_SUFFIX).model
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


class TestMultilingualEncoders:
    """The shipped multilingual encoders read Indonesian: a paraphrase is nearer than a
    different grievance, every vector has unit length, and versions never collide."""

    PARAPHRASES = (
        ("gaji saya belum dibayar sudah dua bulan", "upah dua bulan terakhir belum cair juga"),
        ("pintu darurat dikunci dari luar", "jalan keluar darurat digembok satpam"),
    )
    UNRELATED = "cuti melahirkan saya cuma dikasih satu bulan"

    @pytest.mark.parametrize("model", [USE_MULTILINGUAL, E5_SMALL])
    def test_paraphrases_are_nearer_than_other_grievances(self, model: str) -> None:
        embedder = Embedder(model, threads=1)
        for a, b in self.PARAPHRASES:
            va, vb, other = embedder.embed([a, b, self.UNRELATED])
            assert float(va @ vb) > float(va @ other), (model, a)

    @pytest.mark.parametrize(("model", "dimension"), [(USE_MULTILINGUAL, 512), (E5_SMALL, 384)])
    def test_unit_vectors_of_the_stated_dimension(self, model: str, dimension: int) -> None:
        embedder = Embedder(model, threads=1)
        vectors = embedder.embed(["lembur gak dibayar", "THR dicicil"])
        assert embedder.dimension == dimension
        assert vectors.shape == (2, dimension)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert embedder.embed([]).shape == (0, dimension)

    def test_versions_name_the_encoder(self) -> None:
        versions = {Embedder(m).version for m in (USE_MULTILINGUAL, E5_SMALL, MINILM)}
        assert len(versions) == 3
        assert Embedder(USE_MULTILINGUAL).version.startswith("use-multilingual-v3@")
