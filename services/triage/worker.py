"""The triage worker's state: the promoted model, the embedder, and swapping in new models.

A promoted model is picked up between two events: the holder re-reads CURRENT periodically and
swaps the model object, so no event is lost or handled by half a model.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import structlog

from services.runtime.embedding import DEFAULT_MODEL, Embedder, shared_embedder
from services.triage.model import TriageModel
from services.triage.registry import current_version, load_current, promote, save_version
from services.triage.training import train_default_model

log = structlog.get_logger(__name__)


@contextmanager
def _exclusive(model_dir: Path) -> Iterator[None]:
    """One process trains the first model; workers starting together wait for it."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_model(
    model_dir: Path, embedding_model: str = DEFAULT_MODEL, progress: bool = False
) -> TriageModel:
    """The promoted model; trains and promotes the default one when there is none yet, or when
    the promoted one reads another encoder's vectors or was saved by an older release."""
    with _exclusive(model_dir):
        model = load_current(model_dir)
        if model is None or not model.current_format or model.embedding_model != embedding_model:
            reason = "first start" if model is None else f"replaces {model.version}"
            model = train_default_model(progress=progress, embedding_model=embedding_model)
            promote(model_dir, save_version(model, model_dir, {"trained_by": reason}))
            log.info("triage_model_trained", version=model.version, reason=reason)
    return model


class ModelHolder:
    """The model a worker uses now, refreshed when another version is promoted."""

    def __init__(self, model_dir: Path, embedding_model: str, threads: int | None = None) -> None:
        self.model_dir = model_dir
        self.embedding_model = embedding_model
        self.embedder: Embedder = shared_embedder(embedding_model, threads)
        self._model: TriageModel | None = None
        # Every torch call of the worker (warm-up included) runs on this one thread, off the
        # event loop. libgomp keeps one team of OpenMP workers per calling thread; with a second
        # team (four threads on two cores) its workers stop spin-waiting between parallel
        # regions, and the encoder ran ~10% slower with 1.75 instead of 2 cores busy.
        self.cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-cpu")

    @property
    def model(self) -> TriageModel:
        if self._model is None:
            raise RuntimeError("the triage model is not loaded yet")
        return self._model

    def load(self) -> None:
        """Load the promoted model and the encoder; call it on `cpu`, where the encoder runs
        (OpenMP's thread count belongs to the calling thread)."""
        self._model = ensure_model(self.model_dir, self.embedding_model)
        self.embedder.embed(["pemanasan"])  # load the weights now, not on the first complaint

    def refresh(self) -> bool:
        """Swap in the promoted model if it changed; True when it did."""
        promoted = current_version(self.model_dir)
        if promoted is None or (self._model is not None and promoted == self._model.version):
            return False
        self._model = ensure_model(self.model_dir, self.embedding_model)
        log.info("triage_model_swapped", version=self._model.version)
        return True
