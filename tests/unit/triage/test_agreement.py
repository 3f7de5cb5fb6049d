"""The second reading of the writers' corpus: complete, and compared the way the README says."""

from __future__ import annotations

from services.triage.corpus.agreement import (
    Labels,
    load_annotators,
    load_writers,
    majority,
    tag_f1,
)


def labels(*tags: str, category: str = "overtime", priority: str = "P3") -> Labels:
    return Labels(category, frozenset(tags), priority)


class TestStoredReadings:
    """Every annotated complaint is in the corpus, and each was read by two annotators."""

    def test_every_annotation_names_a_corpus_complaint(self) -> None:
        annotators = load_annotators()
        ids = set.union(*(set(labelling) for labelling in annotators.values()))
        assert len(ids) == 340
        assert set(load_writers(ids)) == ids
        for first, second in (("annotator_A", "annotator_B"), ("annotator_C", "annotator_D")):
            assert len(annotators[first].keys() & annotators[second].keys()) == 170


class TestComparisons:
    """Tag micro-F1 over shared complaints; a majority keeps what most readers gave."""

    def test_tag_f1_counts_shared_tags_over_all_given(self) -> None:
        writer = {"a": labels("collective", "injury"), "b": labels("individual")}
        reader = {"a": labels("collective"), "b": labels("individual", "woman_worker")}
        assert tag_f1(writer, reader) == 2 * 2 / (3 + 3)
        assert tag_f1(writer, reader, "woman_worker") == 0.0

    def test_a_majority_keeps_tags_most_readers_gave(self) -> None:
        voted = majority(
            [
                {"a": labels("collective", "injury", category="osh_safety_health")},
                {"a": labels("collective", category="osh_safety_health")},
                {"a": labels("injury", "collective", priority="P1")},
            ]
        )
        assert voted["a"] == labels("collective", "injury", category="osh_safety_health")
