"""The session's triage model, trained in a child process while the tests that need none run.

Training the shipped model takes two to three minutes of the test session. Most tests never
read it, and many of those spend their time waiting on a broker or a database, so the model
is trained beside them, at the lowest CPU priority, from the moment collection shows that some
test needs it; the modules with such tests run last. The child saves and promotes the model in
a folder, exactly as a worker's first start does, and the fixtures read it from there.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import pytest

MODEL_FIXTURES = frozenset({"model", "model_dir"})


def needs_model(item: pytest.Item) -> bool:
    return bool(MODEL_FIXTURES & set(getattr(item, "fixturenames", ())))


def model_modules_last(items: list[pytest.Item]) -> bool:
    """Move every module with a test that needs the model after all the others.

    Whole modules move, in their own order, so module and class fixtures are set up once as
    before. Returns whether any test needs the model.
    """
    later = {item.path for item in items if needs_model(item)}
    items[:] = [i for i in items if i.path not in later] + [i for i in items if i.path in later]
    return bool(later)


def train_into(folder: Path) -> None:
    """The child: train, save and promote the default model in the empty `folder`, as a
    worker's first start does."""
    os.nice(19)  # the tests running meanwhile come first; the training takes the idle CPU
    from services.triage.offline.training import ensure_model

    ensure_model(folder)


class ModelTraining:
    """One training in a child process, and the folder its model lands in."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="aduan-test-model-"))
        self.trained: Path | None = None  # the version folder the child promoted
        # spawn: a fork of the test process would copy its event loop and sockets.
        self.process = multiprocessing.get_context("spawn").Process(
            target=train_into, args=(self.folder,), name="aduan-test-model"
        )
        self.process.start()

    def wait(self) -> Path:
        """The folder, once the model is promoted in it."""
        self.process.join()
        if self.process.exitcode != 0:
            raise RuntimeError(
                f"training the session's model failed (exit code {self.process.exitcode});"
                " its traceback is in the output above"
            )
        if self.trained is None:  # before a test can promote a model of its own there
            from services.triage import registry

            self.trained = self.folder / str(registry.current_version(self.folder))
        return self.folder

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)
