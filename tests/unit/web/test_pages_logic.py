"""What the pages compute: highlighted cues, the queue's order, the submission a form becomes."""

from __future__ import annotations

from typing import Any

import pytest

from services.runtime.audit import suggestions_shown
from services.web.forms import emergency_report, report_from_form
from services.web.highlight import Segment, highlight
from services.web.queue import merge_clocks
from services.web.settings import WebSettings

SETTINGS = WebSettings(web_union_keys={"spn": "k1", "garteks": "k2"})


class TestHighlight:
    """Each tag's cue is marked in the worker's own words."""

    def test_cues_are_marked_case_insensitively_in_order(self) -> None:
        segments = highlight(
            "Pintu darurat DIGEMBOK, lembur tidak dibayar",
            [
                {"tag": "unpaid_overtime", "cue": "lembur tidak dibayar"},
                {"tag": "blocked_exit", "cue": "pintu darurat digembok"},
            ],
        )
        assert segments == [
            Segment("Pintu darurat DIGEMBOK", "blocked_exit"),
            Segment(", "),
            Segment("lembur tidak dibayar", "unpaid_overtime"),
        ]

    def test_an_overlapping_or_missing_cue_leaves_the_text_whole(self) -> None:
        text = "gaji dipotong terus"
        segments = highlight(
            text,
            [
                {"tag": "a", "cue": "gaji dipotong"},
                {"tag": "b", "cue": "dipotong terus"},
                {"tag": "c", "cue": "tidak ada"},
            ],
        )
        assert "".join(s.text for s in segments) == text
        assert [s.tag for s in segments] == ["a", None]


class TestQueueOrder:
    """Priority first, then the nearest deadline; breaches and pauses are carried along."""

    def test_priority_then_deadline_then_age(self) -> None:
        items: list[dict[str, Any]] = [
            {"complaint_id": "a", "priority": "P2", "submitted_at": "2026-12-01T08:00:00+00:00"},
            {"complaint_id": "b", "priority": "P1", "submitted_at": "2026-12-02T08:00:00+00:00"},
            {"complaint_id": "c", "priority": "P2", "submitted_at": "2026-12-03T08:00:00+00:00"},
            {"complaint_id": "d", "priority": None, "submitted_at": "2026-12-04T08:00:00+00:00"},
        ]
        clocks: dict[str, Any] = {
            "clocks": [
                {
                    "complaint_id": "c",
                    "first_response": {"deadline": "2026-12-04T09:00:00+00:00"},
                    "resolution": {"deadline": "2026-12-20T09:00:00+00:00"},
                    "breached": True,
                },
                {
                    "complaint_id": "a",
                    "first_response": {
                        "deadline": "2026-12-01T09:00:00+00:00",
                        "stopped_at": "2026-12-01T08:30:00+00:00",
                    },
                    "resolution": {"deadline": "2026-12-10T09:00:00+00:00"},
                },
            ]
        }
        merged = merge_clocks(items, clocks)
        assert [i["complaint_id"] for i in merged] == ["b", "c", "a", "d"]
        assert merged[1]["breached"] is True
        assert merged[1]["next_deadline"].isoformat() == "2026-12-04T09:00:00+00:00"
        # a's first response came in time: its next deadline is the resolution's
        assert merged[2]["next_deadline"].isoformat() == "2026-12-10T09:00:00+00:00"


class TestForms:
    """The form becomes intake's submission; an anonymous one carries no contact."""

    def test_anonymous_drops_the_contact(self) -> None:
        report = report_from_form(
            {
                "union_id": "spn",
                "idempotency_key": "k",
                "text": "lembur tidak dibayar tiga bulan",
                "anonymous": "on",
                "contact_phone": "0812",
            },
            SETTINGS,
        )
        assert report.submission()["contact"] is None
        assert report.submission()["anonymous"] is True
        assert report.submission()["channel"] == "web"

    def test_a_union_this_site_does_not_serve_is_refused(self) -> None:
        with pytest.raises(ValueError, match="choose your union"):
            report_from_form(
                {"union_id": "other", "idempotency_key": "k", "text": "x" * 20}, SETTINGS
            )

    def test_an_emergency_carries_its_place_and_flag(self) -> None:
        report = emergency_report(
            {"union_id": "spn", "idempotency_key": "k", "words": "kebakaran", "place": "gudang"},
            SETTINGS,
            prefix="DARURAT",
            place_label="lokasi",
        )
        body = report.submission()
        assert body["emergency"] is True
        assert body["text"] == "DARURAT: kebakaran (lokasi: gudang)"
        assert body["workplace"] == "gudang"


class TestSuggestionsShown:
    """The audit log keeps what the machine suggested on the page an officer opened."""

    def test_triage_and_recommendation_on_the_page_are_recorded(self) -> None:
        view: dict[str, Any] = {
            "triage": {
                "model_version": "triage-20261201T000000Z-abcd1234",
                "category": "wages_and_benefits",
                "priority": "P2",
                "tags": ["unpaid_overtime"],
                "confidence": 0.82,
                "evidence": [{"tag": "unpaid_overtime", "cue": "lembur"}],
            },
            "recommendation": {
                "actions": [{"action": "collect_evidence"}, {"action": "bipartite_negotiation"}],
                "similar_cases": [{"case_id": "case-17"}],
            },
        }
        assert suggestions_shown(view["triage"], view["recommendation"]) == {
            "triage": {
                "model_version": "triage-20261201T000000Z-abcd1234",
                "category": "wages_and_benefits",
                "priority": "P2",
                "tags": ["unpaid_overtime"],
                "confidence": 0.82,
            },
            "recommended_actions": ["collect_evidence", "bipartite_negotiation"],
            "similar_cases": ["case-17"],
        }

    def test_a_complaint_not_yet_triaged_records_that_nothing_was_suggested(self) -> None:
        assert suggestions_shown(None, None) == {
            "triage": None,
            "recommended_actions": [],
            "similar_cases": [],
        }
