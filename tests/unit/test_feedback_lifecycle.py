"""Feedback's lifecycle checks, which need no database, and how the API answers their refusals.

The changes themselves (lock, clocks, event in one transaction) are covered by the integration
tests in tests/integration/feedback.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi import HTTPException

from schemas.vocabulary import Category
from services.feedback import api, lifecycle

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _complaint(**fields: Any) -> dict[str, Any]:
    return {"union_id": "spn", "resolved_at": None, "outcome": None} | fields


class TestOwned:
    def test_the_unions_complaint_is_returned(self) -> None:
        complaint = _complaint()
        assert lifecycle.owned(complaint, "spn") is complaint

    @pytest.mark.parametrize("complaint", [None, _complaint(union_id="japbusi")])
    def test_missing_and_another_unions_read_alike(self, complaint: dict[str, Any] | None) -> None:
        with pytest.raises(lifecycle.NotFound) as raised:
            lifecycle.owned(complaint, "spn")
        assert str(raised.value) == (
            "no such complaint for this union (or it has not reached feedback yet)"
        )


class TestResolvable:
    def test_an_open_complaint_can_be_resolved(self) -> None:
        lifecycle.check_resolvable(_complaint())

    @pytest.mark.parametrize(
        "fields",
        [
            {"resolved_at": NOW},
            {"outcome": "resolved"},
            {"resolved_at": NOW, "outcome": "resolved"},
        ],
    )
    def test_a_resolved_one_cannot(self, fields: dict[str, Any]) -> None:
        with pytest.raises(lifecycle.AlreadyResolved) as raised:
            lifecycle.check_resolvable(_complaint(**fields))
        assert str(raised.value) == "this complaint is already resolved"


class TestReopenable:
    def test_within_the_window(self) -> None:
        lifecycle.check_reopenable(_complaint(resolved_at=NOW - WEEK), NOW, WEEK)

    def test_not_resolved(self) -> None:
        with pytest.raises(lifecycle.NotReopenable) as raised:
            lifecycle.check_reopenable(_complaint(), NOW, WEEK)
        assert str(raised.value) == "this complaint is not resolved"

    def test_past_the_window(self) -> None:
        complaint = _complaint(resolved_at=NOW - WEEK - timedelta(seconds=1), outcome="resolved")
        with pytest.raises(lifecycle.NotReopenable) as raised:
            lifecycle.check_reopenable(complaint, NOW, WEEK)
        assert str(raised.value) == "a resolution can be reopened for 7 days only"

    def test_an_outcome_without_its_time_yet_counts_as_just_resolved(self) -> None:
        lifecycle.check_reopenable(_complaint(outcome="resolved"), NOW, WEEK)


class TestRevisable:
    def test_a_first_rating(self) -> None:
        lifecycle.check_revisable(None, NOW, WEEK)

    def test_a_revision_within_the_window(self) -> None:
        lifecycle.check_revisable({"first_rated_at": NOW - WEEK}, NOW, WEEK)

    def test_a_revision_past_it(self) -> None:
        previous = {"first_rated_at": NOW - WEEK - timedelta(seconds=1)}
        with pytest.raises(lifecycle.RatingClosed) as raised:
            lifecycle.check_revisable(previous, NOW, WEEK)
        assert str(raised.value) == "ratings can be revised for 7 days only"


class TestRecategorize:
    async def test_the_primary_category_cannot_be_a_secondary_one_too(self) -> None:
        category = next(iter(Category))
        with pytest.raises(lifecycle.PrimaryAlsoSecondary):
            await lifecycle.recategorize(
                None,  # refused before the database is asked
                uuid4(),
                "spn",
                officer="budi",
                category=category,
                secondary=[category],
                tags=None,
                priority=None,
            )


class TestAnswers:
    """The API answers each refusal with the status and message it had before the lifecycle
    moved out of the routes."""

    @pytest.mark.parametrize(
        ("refusal", "code"),
        [
            (lifecycle.NotFound(), 404),
            (lifecycle.AlreadyResolved(), 409),
            (lifecycle.NotReopenable("this complaint is not resolved"), 409),
            (lifecycle.RatingClosed(WEEK), 409),
            (lifecycle.PrimaryAlsoSecondary(), 422),
        ],
    )
    def test_status_and_message(self, refusal: lifecycle.LifecycleError, code: int) -> None:
        with pytest.raises(HTTPException) as raised, api._answered():
            raise refusal
        assert raised.value.status_code == code
        assert raised.value.detail == str(refusal)

    def test_other_errors_pass_through(self) -> None:
        with pytest.raises(ValueError, match="boom"), api._answered():
            raise ValueError("boom")
