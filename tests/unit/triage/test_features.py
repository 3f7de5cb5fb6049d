"""The featuriser's n-gram rows: made without sklearn's per-call checks, the same as sklearn's."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from services.triage.features import Featurizer, TfidfRows, read_all

CORPUS = Path("services/triage/corpus/writers")
ODD_TEXTS = [
    "",
    "   \t\n ",
    "LEMBUR Tidak DIBAYAR",
    "lembur lembur lembur tidak dibayar",
    "gaji\tdipotong\n\nsama mandor,   katanya denda",
    "Ölçü ΣΊΣΥΦΟΣ naïve café – ‘kutipan’ 2.500.000",
    "qwzxqwzx kata-yang-tidak-pernah-ada",
    "a b c",
]


def corpus_texts(writer: str, n: int) -> list[str]:
    lines = (CORPUS / f"{writer}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines[:n]]


@pytest.fixture(scope="module")
def fitted() -> Featurizer:
    featurizer = Featurizer()
    scans = read_all(corpus_texts("w01", 300) + corpus_texts("w02", 300))
    featurizer.fit_transform(scans, [None] * len(scans))
    return featurizer


def assert_same(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def vectorizers(featurizer: Featurizer) -> list[tuple[TfidfVectorizer, str]]:
    """Each vectorizer with the attribute of a normalised text it reads."""
    return [(featurizer.char, "text"), (featurizer.word, "marked")]


class TestTfidfRows:
    """Triage's hot path weighs n-grams itself; a different number would change every label."""

    def test_a_writer_it_never_saw_gets_sklearns_matrices_to_the_bit(
        self, fitted: Featurizer
    ) -> None:
        scans = read_all(corpus_texts("w05", 200))
        for vectorizer, view in vectorizers(fitted):
            texts = [getattr(scan.text, view) for scan in scans]
            assert_same(TfidfRows(vectorizer).transform(texts), vectorizer.transform(texts))

    def test_odd_texts_get_sklearns_matrices_too(self, fitted: Featurizer) -> None:
        """Empty and blank texts, capitals, tabs, non-Latin letters, unknown words."""
        for vectorizer, _ in vectorizers(fitted):
            rows = TfidfRows(vectorizer)
            assert_same(rows.transform(ODD_TEXTS), vectorizer.transform(ODD_TEXTS))
            # and again, now answered from the remembered words
            assert_same(rows.transform(ODD_TEXTS), vectorizer.transform(ODD_TEXTS))

    def test_no_texts_give_an_empty_matrix(self, fitted: Featurizer) -> None:
        empty = TfidfRows(fitted.char).transform([])
        assert empty.shape == (0, len(fitted.char.vocabulary_))

    def test_a_full_cache_starts_over_and_still_counts_right(
        self, fitted: Featurizer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(TfidfRows, "MAX_WORDS", 5)
        rows = TfidfRows(fitted.char)
        texts = [scan.text.text for scan in read_all(corpus_texts("w05", 20))]
        assert_same(rows.transform(texts), fitted.char.transform(texts))
        assert len(rows._ids) <= 5


class TestFeaturizer:
    """What the triage model saves and loads."""

    def test_a_saved_featurizer_leaves_its_word_cache_behind_and_transforms_the_same(
        self, fitted: Featurizer
    ) -> None:
        scans = read_all(corpus_texts("w05", 50))
        before = fitted.transform(scans, ["garment"] * len(scans))
        loaded: Featurizer = pickle.loads(pickle.dumps(fitted))
        assert loaded.char_rows._ids == {}
        assert_same(loaded.transform(scans, ["garment"] * len(scans)), before)

    def test_refitting_forgets_the_words_of_the_old_vocabulary(self) -> None:
        featurizer = Featurizer()
        first = read_all(corpus_texts("w01", 100))
        featurizer.fit_transform(first, [None] * len(first))
        featurizer.transform(first, [None] * len(first))
        second = read_all(corpus_texts("w03", 100))
        featurizer.fit_transform(second, [None] * len(second))
        for vectorizer, view in vectorizers(featurizer):
            texts = [getattr(scan.text, view) for scan in second]
            rows = featurizer.char_rows if vectorizer is featurizer.char else featurizer.word_rows
            assert_same(rows.transform(texts), vectorizer.transform(texts))
