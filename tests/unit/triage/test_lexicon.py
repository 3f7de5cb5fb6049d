from __future__ import annotations

import pytest

from schemas.examples import DOMAIN_EXAMPLES
from schemas.vocabulary import Tag
from services.triage.examples import load_examples
from services.triage.lexicon import (
    _EMPLOYER_ORIGINAL,
    CATEGORY_CUES,
    CATEGORY_ORDER,
    TAG_ORDER,
    TAG_STRONG,
    TAG_WEAK,
    scan_cues,
)
from services.triage.normalize import normalize
from services.triage.offline.generator import generate

TEXTS = [e.text for e in load_examples(DOMAIN_EXAMPLES)] + [e.text for e in generate(80, seed=5)]


def pattern_by_pattern(text: str) -> list[float]:
    """The cue features as the lexicon defines them: every pattern run over the text."""
    nt = normalize(text)
    out = [min(len(CATEGORY_CUES[c].findall(nt.text)), 4) / 4.0 for c in CATEGORY_ORDER]
    for tag in TAG_ORDER:
        strong, weak = TAG_STRONG.get(tag), TAG_WEAK.get(tag)
        n = len(strong.findall(nt.text)) if strong else 0
        if tag is Tag.EMPLOYER_NAMED and _EMPLOYER_ORIGINAL.search(nt.original):
            n += 1
        out.append(min(n, 3) / 3.0)
        out.append(1.0 if weak and weak.search(nt.text) else 0.0)
    return out


class TestCueScan:
    """One pass per pattern must read the text exactly as running every pattern would."""

    @pytest.mark.parametrize("text", TEXTS[:40] + TEXTS[40::4])
    def test_features_equal_every_pattern_run_alone(self, text: str) -> None:
        assert scan_cues(normalize(text)).features() == pattern_by_pattern(text)

    def test_a_clause_reads_its_own_cues(self) -> None:
        text = "pintu darurat dikunci mandor. KTP sy ditahan HRD PT Maju Jaya, gaji telat 2 bln"
        scan = scan_cues(normalize(text))
        for clause in scan.text.clauses():
            assert scan.within(clause).features() == pattern_by_pattern(clause.text.original)

    def test_hits_quote_the_original_words(self) -> None:
        hits = scan_cues(normalize("KTP sy ditahan mandor di PT Sawit Makmur")).hits()
        assert hits[Tag.DOCUMENT_RETENTION].strong
        assert "KTP" in hits[Tag.DOCUMENT_RETENTION].evidence
        assert hits[Tag.EMPLOYER_NAMED].evidence.startswith("PT Sawit")

    def test_clause_hits_stay_inside_the_clause(self) -> None:
        scan = scan_cues(normalize("gaji aman kok, tapi KTP sy ditahan"))
        first, second = (scan.within(c) for c in scan.text.clauses())
        assert Tag.DOCUMENT_RETENTION not in first.hits()
        assert "KTP" in second.hits()[Tag.DOCUMENT_RETENTION].evidence
