"""Reading resolved cases from JSONL: every bad line is reported with its number."""

from __future__ import annotations

import json
from pathlib import Path

from services.recommend.cases import ResolvedCase, parse_case_lines, read_cases

GOOD = {
    "case_id": "k-1",
    "sector": "garment",
    "union": "spn",
    "text": "gaji telat 2 minggu",
    "category": "wages_minimum_wage",
    "tags": ["collective"],
    "actions_taken": ["bipartite_negotiation"],
    "outcome": "resolved",
    "resolution_note": "dibayar",
    "days_to_resolve": 12,
}


def line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


class TestJsonlErrors:
    """Valid lines load; invalid ones become errors naming the line and the field."""

    def test_good_file_loads(self, tmp_path: Path) -> None:
        path = tmp_path / "cases.jsonl"
        path.write_text(line() + "\n\n" + line(case_id="k-2", synthetic=True) + "\n")
        loaded = read_cases(path)
        assert [c.case_id for c in loaded.cases] == ["k-1", "k-2"]
        assert loaded.errors == []
        assert loaded.cases[1].synthetic

    def test_errors_name_line_and_field(self) -> None:
        lines = [
            line(),
            "{not json",
            line(case_id="k-3", category="gaji"),
            line(case_id="k-4", actions_taken=["pray"]),
            line(),  # duplicate of line 1
            line(case_id="k-6", days_to_resolve=-1),
            line(case_id="k-7", text=""),
        ]
        loaded = parse_case_lines(lines)
        assert [c.case_id for c in loaded.cases] == ["k-1"]
        messages = {e.line: str(e) for e in loaded.errors}
        assert sorted(messages) == [2, 3, 4, 5, 6, 7]
        assert messages[2].startswith("line 2:")
        assert "category" in messages[3]
        assert "actions_taken" in messages[4]
        assert "duplicate case_id 'k-1' (first on line 1)" in messages[5]
        assert "days_to_resolve" in messages[6]
        assert "text" in messages[7]

    def test_missing_required_field(self) -> None:
        record = dict(GOOD)
        del record["outcome"]
        loaded = parse_case_lines([json.dumps(record)])
        assert loaded.errors[0].line == 1 and "outcome" in loaded.errors[0].message

    def test_content_hash_changes_with_content(self) -> None:
        a = ResolvedCase.model_validate_json(line())
        b = ResolvedCase.model_validate_json(line(outcome="not_resolved"))
        assert a.content_hash() == ResolvedCase.model_validate_json(line()).content_hash()
        assert a.content_hash() != b.content_hash()
