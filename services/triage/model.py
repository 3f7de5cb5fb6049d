"""The triage model: category (calibrated), secondary categories, tags with evidence, priority.

Every head reads the same complaint (two ridge views combined per output, `heads.py`): character
and word n-grams of the normalised text, counts of the cue lexicon and of who speaks for whom
(`context.py`), the sector, and the complaint's sentence embedding from a multilingual encoder.
The n-grams carry the exact words (a union's slang, a typo seen before); the embedding carries
meaning written in words no training text used, which is what a writer the model never read
brings. Calibration, the emergency detector's
thresholds and the evaluation all hold whole writers out (heads.writer_folds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from schemas.vocabulary import Category, Priority, Tag
from services.runtime.embedding import shared_embedder
from services.triage.context import CONTEXT_FILE
from services.triage.cues import CUES_FILE
from services.triage.examples import Example
from services.triage.features import Featurizer, read_all
from services.triage.heads import (
    BinaryHeads,
    HeldOut,
    RidgeFit,
    SoftmaxHead,
    Views,
    best_f1_thresholds,
    writer_folds,
)
from services.triage.lexicon import TAG_ORDER, CueScan
from services.triage.normalize import SLANG_FILE, read_once
from services.triage.priority import (
    EmergencyDetector,
    assess_priority,
    emergency_signals,
)

MODEL_FILE = "model.joblib"
# A poll's texts are encoded in batches of this many after sorting by length: on MiniLM that ran
# at 96% of the rate of one call over 640 texts (batches of 16 or 32 pad short complaints to
# long ones and lose more). USE packs a batch's tokens without padding and ignores it.
EMBED_BATCH = 8
# Bumped when the saved structure changes; a promoted model of another format is retrained.
MODEL_FORMAT = 7  # 3: weights stored features x outputs; 4: context features; 5: tags on P1;
# 6: regional speaker words (since then an edit of the word lists retrains by WORD_LISTS_DIGEST);
# 7: danger words in priority.py (drowning, threats to kill), the speaker share capped at 1
# (the danger and hazardous-work words are now in cues.yaml, under the digest below)
# The word lists the features are read through: slang decides the words the n-grams see, cues
# and context words are counted into feature columns. A model trained on other lists would read
# columns whose meaning moved under it, so it records their digest and is retrained on a change.
WORD_LISTS = (SLANG_FILE, CUES_FILE, CONTEXT_FILE)
REVIEW_THRESHOLD = 0.5  # below this calibrated confidence an officer checks the category
SECONDARY_THRESHOLD = 0.5
MAX_SECONDARY = 2

Embeddings = npt.NDArray[np.floating] | None


def word_lists_digest(paths: Sequence[Path] = WORD_LISTS) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Taken when the lists themselves are read, at import: the lists this process's features read.
WORD_LISTS_DIGEST = word_lists_digest()


@dataclass(frozen=True)
class TriageResult:
    """What triage says about one complaint. Every id stays inside the DOMAIN vocabulary."""

    category: Category
    secondary: list[Category]
    tags: list[Tag]
    evidence: dict[Tag, str]
    priority: Priority
    confidence: float
    needs_review: bool
    model_version: str
    # The emergency detector's probability that an officer must call within 24 hours.
    emergency_score: float = 0.0


@dataclass(frozen=True)
class _Inputs:
    """One batch as the heads read it."""

    scans: list[CueScan]
    # words: character and word n-grams, cue counts, sector, what the priority rules see
    views: Views


@dataclass(frozen=True)
class _Judgement:
    """What triage decided about one complaint before its tags are final."""

    category: Category
    secondary: list[Category]
    priority: Priority
    confidence: float
    needs_review: bool
    emergency_score: float

    def result(self, tagged: tuple[list[Tag], dict[Tag, str]], model_version: str) -> TriageResult:
        tags, evidence = tagged
        return TriageResult(
            category=self.category,
            secondary=self.secondary,
            tags=tags,
            evidence=evidence,
            priority=self.priority,
            confidence=round(self.confidence, 4),
            needs_review=self.needs_review,
            model_version=model_version,
            emergency_score=round(self.emergency_score, 4),
        )


@dataclass
class _Heads:
    """The fitted parts, kept together so one joblib file restores a model."""

    featurizer: Featurizer
    category: SoftmaxHead
    presence: BinaryHeads[Category]
    tags: BinaryHeads[Tag]
    # The tags' thresholds for a complaint already judged an emergency (see emergency_thresholds)
    tags_on_emergencies: npt.NDArray[np.floating]
    emergency: EmergencyDetector
    embedding_dimension: int | None  # None: a model that reads no embeddings


@dataclass
class TriageModel:
    """Train, save, load and classify. `version` names the data and time it was trained on."""

    version: str = "untrained"
    review_threshold: float = REVIEW_THRESHOLD
    training_size: int = 0
    # The encoder whose vectors the model reads (runtime.embedding), None without embeddings.
    embedding_model: str | None = None
    embedding_version: str | None = None
    format: int = MODEL_FORMAT
    word_lists: str = WORD_LISTS_DIGEST  # the digest of the word lists it was trained with
    _heads: _Heads | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ training
    def train(
        self,
        examples: Sequence[Example],
        embeddings: Embeddings = None,
        seed: int = 0,
        weights: Sequence[float] | None = None,
    ) -> TriageModel:
        """Fit every head on `examples`; returns self so `TriageModel().train(xs)` reads well.

        `weights` scale each example's say (generated text counts less than a writer's);
        `embeddings` are the examples' vectors from the encoder named by `embedding_model`.
        """
        if not examples:
            raise ValueError("cannot train on zero examples")
        w = np.ones(len(examples)) if weights is None else np.asarray(weights, dtype=float)
        if len(w) != len(examples):
            raise ValueError("weights must have one entry per example")
        scans = read_all([e.text for e in examples])
        featurizer = Featurizer()
        features = featurizer.fit_transform(scans, [e.sector_id for e in examples])
        dimension = None if embeddings is None else int(np.asarray(embeddings).shape[1])
        inputs = _assemble(scans, features, embeddings, dimension)
        folds = writer_folds([e.writer for e in examples])
        targets = _Targets(examples)
        fit = RidgeFit.fit(inputs.views, targets.matrix, w, folds)
        category = SoftmaxHead.from_fit(
            fit, targets.category, targets.classes, targets.category_index
        )
        presence, _ = BinaryHeads.from_fit(
            fit, targets.presence, PRESENCE_COLUMNS, targets.columns(targets.presence)
        )
        tag_y = targets.columns(targets.tags)
        is_p1 = targets.columns(slice(targets.emergency, None))[:, 0]
        tags, held_tags = BinaryHeads.from_fit(fit, targets.tags, TAG_ORDER, tag_y)
        on_emergencies = emergency_thresholds(tags.thresholds, held_tags, tag_y, is_p1)
        emergency = EmergencyDetector.from_fit(fit, targets.emergency, is_p1)
        self._heads = _Heads(
            featurizer, category, presence, tags, on_emergencies, emergency, dimension
        )
        self.training_size = len(examples)
        self.word_lists = WORD_LISTS_DIGEST
        self.version = _version(examples, seed)
        return self

    # ------------------------------------------------------------------ inference
    def classify(
        self,
        texts: list[str],
        sectors: list[str | None] | None = None,
        embeddings: Embeddings = None,
    ) -> list[TriageResult]:
        """Triage a batch. `sectors` (garment/footwear/palm_oil) sharpen the vocabulary."""
        heads = self._require_heads()
        if not texts:
            return []
        sectors = sectors if sectors is not None else [None] * len(texts)
        if len(sectors) != len(texts):
            raise ValueError("sectors must have one entry per text")
        inputs = self._inputs(texts, sectors, embeddings)
        category_proba = heads.category.proba(inputs.views)
        presence = heads.presence.proba(inputs.views)
        tag_proba = heads.tags.proba(inputs.views)
        tag_chosen = tag_proba >= heads.tags.thresholds
        emergency = heads.emergency.score(inputs.views)

        judged = [
            self._judge(scan, category_proba[i], presence[i], tag_chosen[i], float(emergency[i]))
            for i, scan in enumerate(inputs.scans)
        ]
        for i, judgement in enumerate(judged):
            if judgement.priority is Priority.P1:
                tag_chosen[i] |= tag_proba[i] >= heads.tags_on_emergencies
        tagged = [self._tags(scan, tag_chosen[i]) for i, scan in enumerate(inputs.scans)]
        _quote_clauses(inputs.scans, tagged, heads)
        return [judgement.result(tagged[i], self.version) for i, judgement in enumerate(judged)]

    def category_scores(
        self,
        texts: list[str],
        sectors: list[str | None] | None = None,
        embeddings: Embeddings = None,
    ) -> list[dict[Category, float]]:
        """Every category's calibrated probability per text, for an officer weighing options."""
        heads = self._require_heads()
        sectors = sectors if sectors is not None else [None] * len(texts)
        proba = heads.category.proba(self._inputs(texts, sectors, embeddings).views)
        classes = [Category(c) for c in heads.category.classes]
        return [dict(zip(classes, map(float, row), strict=True)) for row in proba]

    def _inputs(
        self, texts: list[str], sectors: list[str | None], embeddings: Embeddings
    ) -> _Inputs:
        heads = self._require_heads()
        if heads.embedding_dimension is not None and embeddings is None:
            embeddings = self.embed(texts)
        scans = read_all(texts)
        features = heads.featurizer.transform(scans, sectors)
        return _assemble(scans, features, embeddings, heads.embedding_dimension)

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32] | None:
        """The texts' vectors from the encoder this model reads (None if it reads none).

        The service embeds a poll itself and passes the vectors in, since they travel on with
        the complaint; the command line and the evaluation let the model embed."""
        if self.embedding_model is None:
            return None
        encoder = shared_embedder(self.embedding_model)
        return encoder.embed([read_once(t) for t in texts], batch_size=EMBED_BATCH)

    def _judge(
        self,
        scan: CueScan,
        category_proba: npt.NDArray[np.floating],
        presence: npt.NDArray[np.floating],
        chosen: npt.NDArray[np.bool_],
        emergency: float,
    ) -> _Judgement:
        """Category, secondary categories and priority, from the tags that cleared the ordinary
        thresholds."""
        heads = self._require_heads()
        best = int(np.argmax(category_proba))
        category = Category(heads.category.classes[best])
        confidence = float(category_proba[best])
        secondary = self._secondary(category, presence, heads.presence.columns)
        by_rules = assess_priority(scan.text.text, self._chosen(chosen), [category, *secondary])
        priority, uncertain = heads.emergency.decide(emergency, by_rules)
        needs_review = confidence < self.review_threshold or uncertain
        return _Judgement(category, secondary, priority, confidence, needs_review, emergency)

    def _chosen(self, chosen: npt.NDArray[np.bool_]) -> list[Tag]:
        columns = self._require_heads().tags.columns
        return [tag for tag, yes in zip(columns, chosen, strict=True) if yes]

    @staticmethod
    def _secondary(
        primary: Category, presence: npt.NDArray[np.floating], columns: Sequence[Category]
    ) -> list[Category]:
        ranked = sorted(zip(presence, columns, strict=True), key=lambda pc: -pc[0])
        return [c for p, c in ranked if c is not primary and p >= SECONDARY_THRESHOLD][
            :MAX_SECONDARY
        ]

    def _tags(
        self, scan: CueScan, chosen: npt.NDArray[np.bool_]
    ) -> tuple[list[Tag], dict[Tag, str]]:
        """The tags whose heads cleared their thresholds, each quoting its cue where the text
        has one (the others get a clause later).

        A cue alone never sets a tag: "bukan kecelakaan kerja" and a father who died of illness
        carry the cue words of injury and fatality. Measured on held-out writers, letting strong
        cues add tags the heads had rejected cost 0.007 tag micro-F1 and caught no emergency
        the detector missed.
        """
        cues = scan.hits()
        tags = self._chosen(chosen)
        return tags, {tag: cues[tag].evidence for tag in tags if tag in cues}

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> Path:
        """Write the fitted model into `directory` (created if missing); returns the file."""
        self._require_heads()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        joblib.dump(self, path, compress=3)
        return path

    @classmethod
    def load(cls, directory: Path) -> TriageModel:
        model = joblib.load(directory / MODEL_FILE)
        if not isinstance(model, cls):
            raise TypeError(f"{directory / MODEL_FILE} does not hold a TriageModel")
        return model

    @property
    def up_to_date(self) -> bool:
        """False for a model saved by an older release or trained with other word lists: it
        must be retrained, not used. (Models saved before either was recorded have neither.)"""
        return (
            getattr(self, "format", 1) == MODEL_FORMAT
            and getattr(self, "word_lists", None) == WORD_LISTS_DIGEST
        )

    def _require_heads(self) -> _Heads:
        if self._heads is None:
            raise RuntimeError("model is not trained; call train() or load() first")
        return self._heads


def _assemble(
    scans: list[CueScan],
    full: sp.csr_matrix,
    embeddings: Embeddings,
    dimension: int | None,
) -> _Inputs:
    """A batch's words view (with the rule signals) beside its embeddings."""
    meaning = None
    if dimension is not None:
        meaning = np.asarray(embeddings, dtype=np.float64)
        if meaning.shape != (len(scans), dimension):
            raise ValueError(
                f"expected embeddings of shape ({len(scans)}, {dimension}), got {meaning.shape}"
            )
    signals = sp.csr_matrix(np.array([emergency_signals(s) for s in scans], dtype=np.float64))
    return _Inputs(scans, Views(sp.hstack([full, signals], format="csr"), meaning))


PRESENCE_COLUMNS: tuple[Category, ...] = tuple(c for c in Category if c is not Category.OTHER)


class _Targets:
    """Every output the heads learn, as one +1/-1 matrix: categories (one-hot), categories
    present (primary or secondary), tags, emergency (gold P1)."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.classes = tuple(sorted({e.category.value for e in examples}))
        self.category_index = np.array([self.classes.index(e.category.value) for e in examples])
        blocks = [
            [[e.category.value == c for c in self.classes] for e in examples],
            [[c in {e.category, *e.secondary} for c in PRESENCE_COLUMNS] for e in examples],
            [[t in e.tags for t in TAG_ORDER] for e in examples],
            [[e.priority is Priority.P1] for e in examples],
        ]
        self._binary = np.hstack([np.array(b, dtype=int) for b in blocks])
        self.matrix = self._binary * 2.0 - 1.0
        widths = np.cumsum([0, len(self.classes), len(PRESENCE_COLUMNS), len(TAG_ORDER)])
        self.category = slice(widths[0], widths[1])
        self.presence = slice(widths[1], widths[2])
        self.tags = slice(widths[2], widths[3])
        self.emergency = int(widths[3])

    def columns(self, index: slice) -> npt.NDArray[np.int_]:
        return self._binary[:, index]


def emergency_thresholds(
    thresholds: npt.NDArray[np.floating],
    held: HeldOut | None,
    y: npt.NDArray[np.int_],
    is_p1: npt.NDArray[np.int_],
) -> npt.NDArray[np.floating]:
    """The tags' thresholds for a complaint judged an emergency.

    There the harm decides which urgent step leads (recommend's ranking), and among emergencies
    harm tags are common: the bar with the best F1 on the held-out writers' emergencies is lower
    than over all complaints, where most tell of no harm. Never above the ordinary threshold, so
    an emergency keeps every tag it had (its priority was decided on them).
    """
    if held is None:
        return thresholds
    p1 = is_p1[held.rows].astype(bool)
    fitted = best_f1_thresholds(held.proba[p1], y[held.rows][p1], default=thresholds)
    return np.asarray(np.minimum(thresholds, fitted))


def _quote_clauses(
    scans: list[CueScan], tagged: list[tuple[list[Tag], dict[Tag, str]]], heads: _Heads
) -> None:
    """Give every tag without a cue the clause its classifier likes best, in tag order.

    Only the texts that have such a tag are cut into clauses and featurised, all in one call.
    """
    needing = [i for i, (tags, evidence) in enumerate(tagged) if len(evidence) < len(tags)]
    clauses = _Clauses([scans[i] for i in needing], heads)
    for row, i in enumerate(needing):
        tags, evidence = tagged[i]
        quoted = {tag: evidence.get(tag) or clauses.best_for(row, tag) for tag in tags}
        evidence.clear()
        evidence.update(quoted)


class _Clauses:
    """Some texts' clauses, featurised together once, for tags that need evidence from them.

    One featuriser call for the whole batch: per text (or per tag) it would cost more than the
    classification itself. Clauses are scored on the words view of the tag head only: the
    embedding describes the whole complaint, not a clause.
    """

    def __init__(self, texts: list[CueScan], heads: _Heads) -> None:
        self.texts = texts
        self.heads = heads
        self._clauses: list[list[str]] = []
        self._rows: list[int] = []
        self._scores: npt.NDArray[np.floating] = np.zeros((0, len(heads.tags.columns)))
        if texts:
            self._featurise()

    def best_for(self, index: int, tag: Tag) -> str:
        """The clause of text `index` that the tag classifier likes best."""
        clauses = self._clauses[index]
        if len(clauses) <= 1:
            return self.texts[index].text.original.strip()
        start = self._rows[index]
        column = self.heads.tags.columns.index(tag)
        return clauses[int(np.argmax(self._scores[start : start + len(clauses), column]))]

    def _featurise(self) -> None:
        per_text = [[scan.within(c) for c in scan.text.clauses()] for scan in self.texts]
        self._clauses = [[c.text.original for c in clauses] for clauses in per_text]
        flat: list[CueScan] = []
        for clauses in per_text:
            self._rows.append(len(flat))
            flat.extend(clauses)
        if flat:  # only empty texts: nothing to featurise, every text is its own evidence
            full = self.heads.featurizer.transform(flat, [None] * len(flat))
            self._scores = self.heads.tags.clause_scores(_assemble(flat, full, None, None).views)


def _version(examples: Sequence[Example], seed: int) -> str:
    """`triage-<UTC timestamp>-<hash of the training data>`: sortable and reproducible."""
    digest = hashlib.sha256(str(seed).encode())
    for e in examples:
        digest.update(e.text.encode())
        digest.update(e.category.value.encode())
        digest.update(",".join(sorted(t.value for t in e.tags)).encode())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"triage-{stamp}-{digest.hexdigest()[:8]}"
