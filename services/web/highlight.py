"""Marking, in a complaint's text, the words that made triage give each tag."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    tag: str | None = None


def highlight(text: str, evidence: list[dict[str, str]]) -> list[Segment]:
    """The text cut into plain and tagged segments; each cue is marked where it first occurs
    (case-insensitively) and overlapping cues keep the earlier one."""
    lowered = text.lower()
    spans: list[tuple[int, int, str]] = []
    for item in evidence:
        cue = (item.get("cue") or "").strip().lower()
        start = lowered.find(cue) if cue else -1
        if start >= 0:
            spans.append((start, start + len(cue), item.get("tag") or ""))
    segments: list[Segment] = []
    position = 0
    for start, end, tag in sorted(spans):
        if start < position:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], tag))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments
