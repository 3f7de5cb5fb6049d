"""Test doubles for recommend: a fast, deterministic embedder and neighbour builders."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import numpy.typing as npt

from schemas.vocabulary import Action, Category, Outcome, Sector, Tag
from services.recommend.models import Neighbour

DIMENSION = 384


class HashingEmbedder:
    """Bag of words hashed into `dimension` (384) dimensions, L2-normalised: same words, similar
    vectors."""

    version = "hashing-test@1"
    dimension = DIMENSION

    def __init__(self) -> None:
        self.calls: list[int] = []  # number of texts per embed() call

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big")
                out[row, bucket % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out

    @property
    def texts_embedded(self) -> int:
        return sum(self.calls)


class Hashing512Embedder(HashingEmbedder):
    """Another model with another dimension, as the move from MiniLM (384) to USE (512)."""

    version = "hashing-test@512"
    dimension = 512


def neighbour(
    case_id: str,
    similarity: float,
    category: Category,
    actions: list[Action],
    outcome: Outcome = Outcome.RESOLVED,
    tags: set[Tag] | None = None,
    sector: Sector = Sector.GARMENT,
) -> Neighbour:
    return Neighbour(
        case_id=case_id,
        similarity=similarity,
        sector=sector,
        category=category,
        tags=frozenset(tags or ()),
        actions_taken=tuple(actions),
        outcome=outcome,
    )
