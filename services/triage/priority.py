"""Priority: the "suggested triage" rules (docs/domain.md §4), danger cues, a learned detector.

P1 recall matters more than precision (a missed fall from a palm costs more than an extra phone
call), and priority must not hang on one tag firing. So three things decide together:
- the rules on the predicted tags (fatality, sexual or physical violence, ... and the pairs);
- danger described in words (falls, fire, a locked exit, suicide wishes: section `danger` of
  data/cues.yaml), unless negated ("bukan kecelakaan kerja", "tidak ada yang luka");
- the emergency detector: a classifier trained on the writers' P1 labels, whose thresholds are
  set on writers it was not trained on. It raises what the rules miss (an emergency told
  indirectly) and vetoes a rule that fires in a context the data teaches is no emergency (a
  father who died of illness).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from schemas.vocabulary import Category, Priority, Tag
from services.triage.heads import BinaryHeads, RidgeFit, Views
from services.triage.lexicon import DANGER_CUES, HAZARDOUS_WORK, CueScan

P1_TAGS = frozenset(
    {
        Tag.FATALITY,
        Tag.IMMEDIATE_DANGER,
        Tag.SEXUAL_VIOLENCE,
        Tag.PHYSICAL_VIOLENCE,
        Tag.SELF_HARM_RISK,
    }
)
P1_PAIRS = (
    frozenset({Tag.INJURY, Tag.DEADLINE_IMMINENT}),
    frozenset({Tag.DOCUMENT_RETENTION, Tag.DEBT_OR_RECRUITMENT_FEE}),
    frozenset({Tag.PREGNANT_WORKER, Tag.CHEMICAL_EXPOSURE}),
)
P2_TAGS = frozenset(
    {
        Tag.DEADLINE_IMMINENT,
        Tag.LOSS_OF_INCOME_NOW,
        Tag.RETALIATION_OCCURRED,
        Tag.MASS_LAYOFF_OR_CLOSURE,
    }
)


def priority_from_tags(tags: Iterable[Tag], hazardous_minor: bool = False) -> Priority:
    """DOMAIN's suggested triage applied to a tag set."""
    tagset = frozenset(tags)
    if tagset & P1_TAGS or any(pair <= tagset for pair in P1_PAIRS):
        return Priority.P1
    if hazardous_minor and Tag.MINOR_INVOLVED in tagset:
        return Priority.P1
    if tagset & P2_TAGS:
        return Priority.P2
    return Priority.P3


# Words that make a following danger cue not happen: "tidak ada yang luka", "bukan kecelakaan".
NEGATION = re.compile(
    r"(?<!\S)(tidak|bukan|belum|tanpa|jangan)( (ada|pernah|sampai|sampe|terjadi|yang|soal|"
    r"masalah|karena|kena|jadi)){0,2} $"
)


def negated(canonical: str, start: int) -> bool:
    """Is the match starting at `start` of the canonical text negated by the words before it?"""
    return bool(NEGATION.search(canonical[max(0, start - 40) : start]))


def danger_in_words(canonical: str) -> bool:
    """A danger cue that is not negated."""
    return any(not negated(canonical, m.start()) for m in DANGER_CUES.finditer(canonical))


def is_hazardous_minor(canonical: str, tags: Iterable[Tag], categories: Iterable[Category]) -> bool:
    """A child is involved and the text talks about work (or the complaint is child labour)."""
    if Tag.MINOR_INVOLVED not in frozenset(tags):
        return False
    return Category.CHILD_LABOUR in frozenset(categories) or bool(HAZARDOUS_WORK.search(canonical))


def assess_priority(
    canonical: str, tags: Iterable[Tag], categories: Iterable[Category]
) -> Priority:
    """Priority of one complaint: tag rules, the hazardous-minor rule, then danger cues."""
    tagset = frozenset(tags)
    priority = priority_from_tags(tagset, is_hazardous_minor(canonical, tagset, categories))
    if priority is not Priority.P1 and danger_in_words(canonical):
        return Priority.P1
    return priority


def emergency_signals(scan: CueScan) -> list[float]:
    """What the rules see in a text, as inputs of the emergency detector: a danger cue in words,
    and a strong cue of a P1 tag. The detector learns how far to believe them."""
    return [
        1.0 if danger_in_words(scan.text.text) else 0.0,
        1.0 if any(scan.strong.get(tag) for tag in P1_TAGS) else 0.0,
    ]


# Of the emergencies in writers the detector never read, the share it must catch (with the
# rules) when its review threshold is set: P1 recall comes before precision.
P1_RECALL_TARGET = 0.98
# From this probability on, P1 without asking: half the mass says emergency.
SURE = 0.5
# Below this a rule-based P1 is not believed: the detector is 98% sure there is no emergency
# (the cue of a danger tag in a context the writers taught it is none). On the held-out writers
# a veto at 0.05 bought precision 0.651 at recall 0.983; at 0.02 it keeps 196 of those 280 false
# alarms away and loses 4 emergencies instead of 13 (recall 0.990, precision 0.624).
VETO = 0.02
# The review threshold never goes below this: under it, nearly every complaint would be raised.
REVIEW_FLOOR = 0.02


@dataclass(frozen=True)
class EmergencyDetector:
    """Scores how likely a complaint needs a call within 24 hours and turns that into a priority.

    From `SURE` on: P1. From `review` on: P1 flagged for review (an uncertain emergency goes to
    the top of the queue, not to the bottom). A rule's P1 stands unless the score is under `VETO`.
    """

    head: BinaryHeads[str]
    review: float

    def score(self, views: Views) -> npt.NDArray[np.floating]:
        return self.head.proba(views)[:, 0]

    def decide(self, score: float, by_rules: Priority) -> tuple[Priority, bool]:
        """(priority, uncertain) for one complaint."""
        if score >= SURE:
            return Priority.P1, False
        if by_rules is Priority.P1 and score >= VETO:
            return Priority.P1, False
        if score >= self.review:
            return Priority.P1, True
        return (Priority.P2 if by_rules is Priority.P2 else Priority.P3), False

    @classmethod
    def from_fit(cls, fit: RidgeFit, column: int, is_p1: npt.NDArray[np.int_]) -> EmergencyDetector:
        """`column`: the emergency output of `fit`; `is_p1`: each training row's gold flag."""
        head, held = BinaryHeads.from_fit(fit, slice(column, column + 1), ["P1"], is_p1[:, None])
        if held is None:
            return cls(head, SURE)
        return cls(head, review_threshold(held.proba[:, 0], is_p1[held.rows]))


def review_threshold(scores: npt.NDArray[np.floating], is_p1: npt.NDArray[np.int_]) -> float:
    """The highest threshold under `SURE` whose held-out recall reaches the target."""
    gold = np.asarray(is_p1, dtype=bool)
    if not gold.any():
        return SURE
    ranked = np.sort(scores[gold])
    # Missing at most (1 - target) of the emergencies: the score of the first one caught.
    allowed_misses = int(np.floor((1 - P1_RECALL_TARGET) * len(ranked)))
    return float(np.clip(ranked[allowed_misses], REVIEW_FLOOR, SURE))
