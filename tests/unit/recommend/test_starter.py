"""The synthetic starter case base: deterministic, complete, clearly marked."""

from __future__ import annotations

from schemas.vocabulary import Category, Sector
from services.recommend.cases import read_cases
from services.recommend.offline.starter import DEFAULT_PATH, generate


class TestStarterCases:
    """The committed file is what `generate()` makes, and covers the vocabulary."""

    def test_generation_is_deterministic_and_matches_the_file(self) -> None:
        cases = generate()
        assert cases == generate()
        loaded = read_cases(DEFAULT_PATH)
        assert loaded.errors == []
        assert [c.case_id for c in loaded.cases] == [c.case_id for c in cases]
        assert [c.content_hash() for c in loaded.cases] == [c.content_hash() for c in cases]

    def test_coverage_and_marking(self) -> None:
        cases = generate()
        assert 350 <= len(cases) <= 450
        assert {c.category for c in cases} == set(Category)
        assert {c.sector for c in cases} == {Sector.GARMENT, Sector.FOOTWEAR, Sector.PALM_OIL}
        assert {c.union for c in cases} == {"spn", "garteks", "fsp_tsk", "japbusi"}
        assert all(c.synthetic and c.case_id.startswith("syn-") for c in cases)
