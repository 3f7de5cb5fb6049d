"""Dates in the worker's own words become the anchors of legal deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.vocabulary import Category
from services.recommend.dates import extract_key_dates, mentions

TODAY = date(2026, 11, 28)  # a Saturday


class TestMentions:
    """Explicit, relative and counted-down dates are all read."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("tgl 3 desember", date(2026, 12, 3)),
            ("tanggal 14 nov", date(2026, 11, 14)),
            ("pada 3/11/2026", date(2026, 11, 3)),
            ("pada 3-11-26", date(2026, 11, 3)),
            ("kmrn sore", date(2026, 11, 27)),
            ("2 hari yg lalu", date(2026, 11, 26)),
            ("minggu lalu", date(2026, 11, 21)),
            ("besok", date(2026, 11, 29)),
            ("lebaran tinggal 5 hari", date(2026, 12, 3)),
            ("sudah H-3 lebaran", date(2026, 12, 1)),
        ],
    )
    def test_date_is_read(self, text: str, expected: date) -> None:
        assert [m.day for m in mentions(text, TODAY)] == [expected]

    def test_a_month_without_year_is_the_nearest_one(self) -> None:
        [mention] = mentions("di-phk tgl 20 desember", date(2027, 1, 5))
        assert mention.day == date(2026, 12, 20)

    @pytest.mark.parametrize(
        "text", ["900 pcs/hari", "udah 8 bulan kerja", "gaji 3,1jt", "shift 12 jam", "umur 16"]
    )
    def test_numbers_that_are_not_dates_are_ignored(self, text: str) -> None:
        assert mentions(text, TODAY) == []


class TestAnchors:
    """A date belongs to the event named next to it."""

    def test_dismissal_notice_date(self) -> None:
        dates = extract_key_dates("surat PHK sy terima 3/11/2026, udh 9 thn kerja", reference=TODAY)
        assert dates.dismissal_notice == date(2026, 11, 3)

    def test_accident_yesterday(self) -> None:
        dates = extract_key_dates("suami sy jatuh dr pohon pas nunas kemarin", reference=TODAY)
        assert dates.accident == date(2026, 11, 27)

    def test_holiday_countdown(self) -> None:
        dates = extract_key_dates("THR dicicil, lebaran tinggal 5 hari", reference=TODAY)
        assert dates.holiday == date(2026, 12, 3)

    def test_date_with_no_event_anchors_nothing(self) -> None:
        dates = extract_key_dates("kemarin sy ke kantor serikat", reference=TODAY)
        assert dates.model_dump(exclude_none=True) == {}

    def test_submission_date_anchors_the_main_event_when_the_text_has_none(self) -> None:
        dates = extract_key_dates(
            "sy di-PHK lewat telpon, gak ada surat apa2",
            reference=TODAY,
            occurred_on=date(2026, 11, 20),
            category=Category.TERMINATION_SEVERANCE,
        )
        assert dates.dismissal_notice == date(2026, 11, 20)
