"""The triage worker's state: the promoted model, the embedder, and swapping in new models.

The worker only loads models: training (and so the generator and the corpus) stays in the
offline tools, `aduan triage ensure-model` and `aduan triage train`, run before it starts.

A promoted model is picked up between two events: the holder re-reads CURRENT periodically and
swaps the model object, so no event is lost or handled by half a model.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import structlog
from threadpoolctl import ThreadpoolController

from services.runtime.embedding import Embedder, shared_embedder
from services.triage.model import TriageModel
from services.triage.registry import NoUsableModel, current_version, load_promoted

log = structlog.get_logger(__name__)


class ModelHolder:
    """The model a worker uses now, refreshed when another version is promoted."""

    def __init__(self, model_dir: Path, embedding_model: str, threads: int | None = None) -> None:
        self.model_dir = model_dir
        self.embedding_model = embedding_model
        self.threads = threads
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
        """Load the promoted model and the encoder; call it on `cpu`, where the encoder and the
        classifier run (OpenMP's thread count belongs to the calling thread)."""
        if self.threads is not None:
            # The classifier's products of a poll's rows with its heads' weights ran on every
            # core's BLAS thread, the encoder's limit being its own: from ~50 complaints a poll
            # the second thread spun beside the first, 3.0 ms of CPU a complaint instead of
            # 1.7 in the same wall time, on cores the other services need. Kept for the
            # process: OpenBLAS has one setting for all threads.
            ThreadpoolController().limit(limits=self.threads)
        self._model = load_promoted(self.model_dir, self.embedding_model)
        self.embedder.embed(["pemanasan"])  # load the weights now, not on the first complaint

    def refresh(self) -> bool:
        """Swap in the promoted model if it changed; True when it did."""
        promoted = current_version(self.model_dir)
        if promoted is None or (self._model is not None and promoted == self._model.version):
            return False
        try:
            self._model = load_promoted(self.model_dir, self.embedding_model)
        except NoUsableModel as exc:
            # Keep serving with the model in hand rather than stop on a bad promotion.
            log.error("triage_model_not_swapped", error=str(exc))
            return False
        log.info("triage_model_swapped", version=self._model.version)
        return True
