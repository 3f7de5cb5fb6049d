"""The case search's SQL, one text per embedding dimension (the planner checks are integration)."""

from __future__ import annotations

import pytest

from services.recommend.store import case_index_sql, search_cases_sql


class TestSearchSqlPerDimension:
    """The dimension is written into the SQL as a literal, so only a positive integer may be."""

    def test_each_dimension_and_filter_gets_its_own_cached_text(self) -> None:
        assert search_cases_sql(512) is search_cases_sql(512)
        assert "vector(512)" in search_cases_sql(512) and "vector(384)" in search_cases_sql(384)
        assert "c.category = $5" in search_cases_sql(512, in_category=True)
        assert "$5" not in search_cases_sql(512)

    @pytest.mark.parametrize("dimension", [0, -384, 512.0, "512) OR (true"])
    def test_anything_but_a_positive_integer_is_refused(self, dimension: object) -> None:
        with pytest.raises((TypeError, ValueError)):
            search_cases_sql(dimension)
        with pytest.raises((TypeError, ValueError)):
            case_index_sql(dimension)  # type: ignore[arg-type]
