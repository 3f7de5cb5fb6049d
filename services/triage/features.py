"""Feature extraction: character n-grams, negation-aware word n-grams, cue-lexicon counts, context.

Character n-grams survive typos and spelling variants no slang table lists; word n-grams over the
negation-marked text tell "lembur dibayar" from "lembur tidak_dibayar"; the cue counts carry the
domain knowledge of docs/domain.md §2-§4 into a model trained on a few thousand texts; the
context counts (`context.py`) say who speaks, for whom, and whether a place is named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from schemas.vocabulary import Sector
from services.triage.context import ContextReader, read_context_words
from services.triage.lexicon import CueScan, scan_cues
from services.triage.normalize import NormalizedText, normalize

SECTORS: tuple[Sector, ...] = tuple(Sector)
# Dense cue features are few next to tens of thousands of n-grams; scaling them up lets the
# regularised classifier actually use them.
CUE_WEIGHT = 1.5
SECTOR_WEIGHT = 0.3
# On top of CUE_WEIGHT. Four writer folds, tag micro-F1 over none: the speaker counts alone at
# scale 1 +0.005; with the place counts at scale 2 +0.009, at 4 no more.
CONTEXT_SCALE = 2.0
CONTEXT = ContextReader(read_context_words())


def _extra_features(nt: NormalizedText) -> list[float]:
    """Shape of the message: a question, money, length (short texts are often questions)."""
    words = len(nt.words)
    return [
        1.0 if "?" in nt.original else 0.0,
        1.0 if nt.amounts else 0.0,
        min(words, 80) / 80.0,
        1.0 if words < 12 else 0.0,
    ]


class TfidfRows:
    """A fitted TfidfVectorizer's transform, for the few texts of one poll.

    sklearn's transform validates its input and output on every call (~1.3 ms of a one-complaint
    classification, which transforms the text and its clauses with two vectorizers) and walks
    every character n-gram through Python. Here the counts come from the vectorizer's own
    analyzer and vocabulary and are weighted with its fitted idf and norm, the same operations
    in the same order, so the matrix is identical (tests compare them). `char_wb` n-grams never
    cross a space, so a text's are its words' put together: each word's vocabulary ids are
    looked up once and remembered, as words repeat across complaints and their clauses.
    """

    # Words remembered before the memory is cleared and refilled: a worker's vocabulary of
    # canonical words levels off in the tens of thousands, and a word costs ~0.5 kB here, so
    # this bounds the cache near 100 MB even on a stream of random strings.
    MAX_WORDS = 200_000

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self._analyzer = vectorizer.build_analyzer()
        self._by_word = vectorizer.analyzer == "char_wb"
        self._ids: dict[str, npt.NDArray[np.int64]] = {}

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        vocabulary: dict[str, int] = self.vectorizer.vocabulary_
        indptr = [0]
        # Each list starts with an empty array, so a call with no texts still concatenates.
        columns: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        counts: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        for text in texts:
            column, count = np.unique(self._text_ids(text, vocabulary), return_counts=True)
            columns.append(column)
            counts.append(count)
            indptr.append(indptr[-1] + len(column))
        matrix = sp.csr_matrix(
            (
                np.concatenate(counts).astype(self.vectorizer.dtype),
                np.concatenate(columns),
                np.asarray(indptr),
            ),
            shape=(len(texts), len(vocabulary)),
        )
        return self._weigh(matrix)

    def _weigh(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """TfidfTransformer.transform on fitted counts, without its checks."""
        vectorizer = self.vectorizer
        if vectorizer.sublinear_tf:
            np.log(matrix.data, matrix.data)
            matrix.data += 1.0
        if vectorizer.use_idf:
            matrix.data *= vectorizer.idf_[matrix.indices]
        if vectorizer.norm == "l2":
            inplace_csr_row_normalize_l2(matrix)
        elif vectorizer.norm is not None:
            raise ValueError(f"norm {vectorizer.norm!r} is not supported here")
        return matrix

    def _text_ids(self, text: str, vocabulary: dict[str, int]) -> npt.NDArray[np.int64]:
        if not self._by_word:
            return _known(self._analyzer(text), vocabulary)
        words = [self._word_ids(word, vocabulary) for word in text.split()]
        return np.concatenate(words) if words else np.zeros(0, dtype=np.int64)

    def _word_ids(self, word: str, vocabulary: dict[str, int]) -> npt.NDArray[np.int64]:
        ids = self._ids.get(word)
        if ids is None:
            if len(self._ids) >= self.MAX_WORDS:
                self._ids.clear()
            ids = self._ids[word] = _known(self._analyzer(word), vocabulary)
        return ids


def _known(grams: Sequence[str], vocabulary: dict[str, int]) -> npt.NDArray[np.int64]:
    found = (vocabulary.get(gram) for gram in grams)
    return np.fromiter((i for i in found if i is not None), dtype=np.int64)


class Featurizer:
    """Fits the vocabularies on training text and turns complaints into sparse matrices."""

    def __init__(self) -> None:
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            max_features=80_000,
            dtype=np.float32,
        )
        self.word = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
            max_features=40_000,
            dtype=np.float32,
        )
        self._rows()

    def fit_transform(
        self, texts: Sequence[CueScan], sectors: Sequence[str | None]
    ) -> sp.csr_matrix:
        chars = self.char.fit_transform([t.text.text for t in texts])
        words = self.word.fit_transform([t.text.marked for t in texts])
        self._rows()  # what is remembered was looked up in the old vocabularies
        return self._stack(chars, words, texts, sectors)

    def transform(self, texts: Sequence[CueScan], sectors: Sequence[str | None]) -> sp.csr_matrix:
        chars = self.char_rows.transform([t.text.text for t in texts])
        words = self.word_rows.transform([t.text.marked for t in texts])
        return self._stack(chars, words, texts, sectors)

    def _rows(self) -> None:
        self.char_rows = TfidfRows(self.char)
        self.word_rows = TfidfRows(self.word)

    def __getstate__(self) -> dict[str, object]:
        """The fitted vectorizers only: whoever loads them starts with nothing remembered."""
        state = dict(self.__dict__)
        del state["char_rows"], state["word_rows"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._rows()

    @staticmethod
    def _stack(
        chars: sp.spmatrix,
        words: sp.spmatrix,
        texts: Sequence[CueScan],
        sectors: Sequence[str | None],
    ) -> sp.csr_matrix:
        cues = (
            np.array(
                [
                    t.features()
                    + _extra_features(t.text)
                    + [CONTEXT_SCALE * v for v in CONTEXT.features(t.text)]
                    for t in texts
                ],
                dtype=np.float32,
            ).reshape(len(texts), -1)
            * CUE_WEIGHT
        )
        sector_rows = (
            np.array(
                [[1.0 if s == sector.value else 0.0 for sector in SECTORS] for s in sectors],
                dtype=np.float32,
            ).reshape(len(texts), len(SECTORS))
            * SECTOR_WEIGHT
        )
        return sp.hstack(
            [chars, words, sp.csr_matrix(cues), sp.csr_matrix(sector_rows)], dtype=np.float64
        ).tocsr()


def read_all(texts: Sequence[str]) -> list[CueScan]:
    """Each text normalised and scanned for cues: everything the featuriser reads."""
    return [scan_cues(normalize(t)) for t in texts]
