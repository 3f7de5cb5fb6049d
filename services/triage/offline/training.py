"""What the triage model is trained on, and the one function every training path goes through.

The training set is the writers' corpus (complaints written and labelled by independent writers,
`services/triage/corpus/`), generated complaints (`generator.py`) at a lower weight, and officers'
corrections. Generated text teaches the vocabulary's long tail, but its templates are not how
people write; writers' text is, so it counts more.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from services.runtime.embedding import DEFAULT_MODEL, shared_embedder
from services.triage.corpus import WRITERS_DIR, as_example, load_corpus
from services.triage.examples import Example
from services.triage.labels import OFFICER_WEIGHT
from services.triage.model import Embeddings, TriageModel
from services.triage.normalize import read_once
from services.triage.offline.generator import generate
from services.triage.registry import (
    NoUsableModel,
    load_current,
    load_promoted,
    promote,
    save_version,
)

log = structlog.get_logger(__name__)

# Generated complaints beside the corpus: enough for every tag's rarer phrasings to appear,
# few enough that the generator's templates do not outvote the writers.
DEFAULT_SIZE = 4000
# A generated complaint's say next to a written one.
SYNTHETIC_WEIGHT = 0.3


@dataclass(frozen=True)
class TrainingSet:
    examples: list[Example]
    weights: list[float]

    def __add__(self, other: TrainingSet) -> TrainingSet:
        return TrainingSet(self.examples + other.examples, self.weights + other.weights)


def written(examples: Iterable[Example], weight: float = 1.0) -> TrainingSet:
    chosen = list(examples)
    return TrainingSet(chosen, [weight] * len(chosen))


def default_training_set(
    corrections: Iterable[Example] = (),
    seed: int = 0,
    size: int = DEFAULT_SIZE,
    corpus: Sequence[Path] = (WRITERS_DIR,),
) -> TrainingSet:
    """The corpus, `size` generated complaints and officers' `corrections`.

    A correction is one row of weight OFFICER_WEIGHT, not that many copies: the ridge fits
    weigh rows exactly as copies would, and the training's memory grows with the square of its
    rows (ten copies each, a thousand corrections would have added 10,000).
    """
    writers = written(as_example(r) for r in load_corpus(corpus))
    generated = written(generate(size, seed=seed), SYNTHETIC_WEIGHT) if size else written([])
    return writers + generated + written(corrections, OFFICER_WEIGHT)


def train(
    training: TrainingSet,
    embedding_model: str | None = DEFAULT_MODEL,
    seed: int = 0,
    progress: bool = True,
    embeddings: Embeddings = None,
) -> TriageModel:
    """Embed (unless `embeddings` are given, in the examples' order) and train one model.

    `embedding_model=None` trains a model that reads text only.
    """
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),  # stdout may be carrying JSONL results
        disable=not progress,
        transient=False,
    ) as bar:
        task = bar.add_task(f"embedding {len(training.examples)} complaints", total=2)
        model = TriageModel()
        if embedding_model is not None:
            embedder = shared_embedder(embedding_model)
            if embeddings is None:
                embeddings = embedder.embed([read_once(e.text) for e in training.examples])
            model.embedding_model = embedding_model
            model.embedding_version = embedder.version
        bar.update(task, advance=1, description=f"training on {len(training.examples)}")
        model.train(
            training.examples,
            embeddings=None if embedding_model is None else np.asarray(embeddings),
            seed=seed,
            weights=training.weights,
        )
        bar.update(task, advance=1, description=f"trained {model.version}")
    return model


def train_default_model(
    corrections: Iterable[Example] = (),
    seed: int = 0,
    progress: bool = True,
    size: int = DEFAULT_SIZE,
    embedding_model: str | None = DEFAULT_MODEL,
    corpus: Sequence[Path] = (WRITERS_DIR,),
) -> TriageModel:
    """The corpus, generated complaints and officers' `corrections`."""
    return train(
        default_training_set(corrections, seed=seed, size=size, corpus=corpus),
        embedding_model=embedding_model,
        seed=seed,
        progress=progress,
    )


@contextmanager
def _exclusive(model_dir: Path) -> Iterator[None]:
    """One process trains the first model; others starting together wait for it."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Officers' corrections for a model that reads them: it fills in the tags and priority an
# officer left unlabelled (labels.officer_examples).
CorrectionsFor = Callable[[TriageModel], list[Example]]


def ensure_model(
    model_dir: Path,
    embedding_model: str = DEFAULT_MODEL,
    progress: bool = False,
    corrections_for: CorrectionsFor | None = None,
) -> TriageModel:
    """The promoted model; trains and promotes the default one when there is none yet, or when
    the promoted one reads another encoder's vectors, was saved by an older release or was
    trained with other word lists (slang, cues, context words).

    With `corrections_for`, officers' corrections join the new model as they joined the one it
    replaces. The stale model cannot fill in what they left unlabelled (it reads other
    features), so the default model trained without them does, and a second training adds them.
    """
    with _exclusive(model_dir):
        try:
            return load_promoted(model_dir, embedding_model)
        except NoUsableModel:
            current = load_current(model_dir)
        reason = "first start" if current is None else f"replaces {current.version}"
        model = train_default_model(progress=progress, embedding_model=embedding_model)
        corrections = corrections_for(model) if corrections_for is not None else []
        if corrections:
            model = train_default_model(
                corrections=corrections, progress=progress, embedding_model=embedding_model
            )
        metadata = {"trained_by": reason, "officer_corrections": [e.id for e in corrections]}
        promote(model_dir, save_version(model, model_dir, metadata))
        log.info(
            "triage_model_trained",
            version=model.version,
            reason=reason,
            corrections=len(corrections),
        )
    return model
