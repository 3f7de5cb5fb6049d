"""Training entry point: synthetic data from the generator plus any officer-labelled examples."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from services.triage.examples import Example
from services.triage.generator import generate
from services.triage.model import TriageModel

# A few thousand texts: enough for every category and tag to appear dozens of times, small enough
# to train in well under a minute on two cores.
DEFAULT_SIZE = 4000


def train_default_model(
    extra_examples: Iterable[Example] = (),
    seed: int = 0,
    progress: bool = True,
    size: int = DEFAULT_SIZE,
) -> TriageModel:
    """Generate synthetic complaints, add `extra_examples` (e.g. officer corrections), train."""
    extra = list(extra_examples)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),  # stdout may be carrying JSONL results
        disable=not progress,
        transient=False,
    ) as bar:
        task = bar.add_task("generating synthetic complaints", total=3)
        examples = generate(size, seed=seed) + extra
        bar.update(task, advance=1, description=f"training on {len(examples)} complaints")
        model = TriageModel().train(examples, seed=seed)
        bar.update(task, advance=1, description="done")
        bar.update(task, advance=1)
    return model
