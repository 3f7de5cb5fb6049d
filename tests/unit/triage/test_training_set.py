"""What the default model is trained on, and how much each part counts."""

from __future__ import annotations

from schemas.vocabulary import Category, Priority, Sector
from services.triage.corpus import WRITERS_DIR
from services.triage.examples import Example
from services.triage.labels import OFFICER_WEIGHT
from services.triage.offline.training import SYNTHETIC_WEIGHT, default_training_set

ONE_WRITER = (WRITERS_DIR / "w01.jsonl",)


class TestDefaultTrainingSet:
    def test_writers_count_fully_and_generated_text_less(self) -> None:
        training = default_training_set(size=50, corpus=ONE_WRITER)
        by_writer = {e.writer: w for e, w in zip(training.examples, training.weights, strict=True)}
        assert by_writer == {"w01": 1.0, None: SYNTHETIC_WEIGHT}
        assert len(training.examples) == 340 + 50

    def test_an_officers_correction_is_one_row_that_counts_ten(self) -> None:
        """The fit weighs it as ten complaints; the training grows by one row, since its memory
        grows with the square of the rows and every correction ever made is trained on."""
        correction = Example(
            text="mandor bilang kejar target dulu, kipas mati, bnyk yg pusing",
            category=Category.WORKING_HOURS_TARGETS,
            priority=Priority.P1,
            sector=Sector.GARMENT,
            id="correction-1",
        )
        training = default_training_set([correction], size=0, corpus=ONE_WRITER)
        assert training.examples.count(correction) == 1
        assert training.examples[-1] == correction
        assert training.weights[-1] == OFFICER_WEIGHT
