"""The queue's pure parts: excerpts, badge counts, and its vocabulary kept in step with intake's."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.queue import (
    EXCERPT_CHARS,
    PRIORITIES,
    STATUSES,
    QueueFilters,
    counts,
    excerpt,
)
from services.intake.store import QUEUE_CONDITIONS, STATUS_RANK


class TestExcerpt:
    """One line of the masked text, short enough for a list row."""

    def test_a_short_text_is_kept_whole_on_one_line(self) -> None:
        assert (
            excerpt("gaji  dipotong\nsejak\tMaret", truncated=False) == "gaji dipotong sejak Maret"
        )

    def test_a_long_text_is_cut_at_a_word_with_an_ellipsis(self) -> None:
        text = "lembur tidak dibayar " * 20
        cut = excerpt(text, truncated=False)
        assert cut.endswith("…")
        kept = cut[:-1]
        assert EXCERPT_CHARS * 2 // 3 < len(kept) <= EXCERPT_CHARS
        assert text.startswith(kept) and text[len(kept)] == " ", "cut between two words"

    def test_one_endless_word_is_cut_at_the_limit(self) -> None:
        cut = excerpt("x" * 500, truncated=True)
        assert cut == "x" * EXCERPT_CHARS + "…"

    def test_a_text_the_database_cut_short_says_so(self) -> None:
        """Only the start of a long text is read; folded spaces may leave it short."""
        assert excerpt("gaji dipotong" + " " * 300, truncated=True) == "gaji dipotong…"


class TestCounts:
    """Badges cover every status and priority, and only the categories that occur."""

    def test_groups_fold_into_badges(self) -> None:
        groups: list[dict[str, Any]] = [
            {"status": "submitted", "priority": None, "category": None, "needs_review": None,
             "emergency": True, "complaints": 2},
            {"status": "triaged", "priority": "P1", "category": "osh_safety_health",
             "needs_review": True, "emergency": True, "complaints": 1},
            {"status": "resolved", "priority": "P2", "category": "overtime",
             "needs_review": False, "emergency": False, "complaints": 3},
        ]  # fmt: skip
        badges = counts(groups)
        assert badges.total == 6
        assert badges.status == dict.fromkeys(STATUSES, 0) | {
            "submitted": 2,
            "triaged": 1,
            "resolved": 3,
        }
        assert badges.priority == {"P1": 1, "P2": 3, "P3": 0, "untriaged": 2}
        assert list(badges.category.items()) == [
            ("overtime", 3),
            ("untriaged", 2),
            ("osh_safety_health", 1),
        ]
        assert (badges.needs_review, badges.emergency) == (1, 3)

    def test_a_union_without_complaints_has_zero_badges(self) -> None:
        badges = counts([])
        assert badges.total == 0 and badges.category == {}
        assert set(badges.status) == set(STATUSES) and set(badges.priority) == set(PRIORITIES)


class TestVocabulary:
    def test_the_status_filter_knows_every_status_intake_sets(self) -> None:
        assert set(STATUSES) == set(STATUS_RANK)

    def test_every_filter_has_its_condition(self) -> None:
        filters = set(QueueFilters.model_fields) - {"limit", "offset"}
        assert filters == set(QUEUE_CONDITIONS)

    @pytest.mark.parametrize(
        "query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"priority": "P4"}]
    )
    def test_out_of_range_paging_and_values_are_refused(self, query: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            QueueFilters.model_validate(query)

    def test_only_the_filters_given_become_conditions(self) -> None:
        filters = QueueFilters.model_validate({"tag": "injury", "emergency": "false"})
        assert filters.conditions() == {"tag": "injury", "emergency": False}
