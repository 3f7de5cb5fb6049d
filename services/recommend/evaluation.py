"""Offline evaluation of follow-up recommendations against gold actions (`aduan recommend eval`).

Every system is measured through `service.recommend_many`, the code path of the Kafka handler,
on an in-memory index of a case file. Complaints carry gold `actions` (most important first) and
their triage labels (`category`, `secondary`, `tags`, `priority`).

Metrics, per complaint, then averaged:

- nDCG@3, graded by the gold order: the gold action at gold rank r (0-based) has gain
  len(gold) - r, any other action 0; DCG@3 = sum over the top three recommended of
  gain / log2(position + 2); divided by the DCG of the gold list's own top three.
- precision@3: share of the top three recommended actions that are in the gold list.
- P1 first-action accuracy: over complaints whose gold priority is P1, whether the first
  recommended action is the gold first action.
- category precision@5: share of the five most similar retrieved cases whose category is the
  complaint's gold category.
- hit@3 (reference only): whether any of the top three is in the gold list. A constant list scores
  high on it, so it does not separate systems.

Baselines, computed in the same run: `constant` recommends the three actions taken most often in
the case base, for every complaint (its category precision@5 is chance: the share of the
complaint's category among all cases, what five random cases would score); `playbook`
recommends the first three actions of the category playbook (DOMAIN §3.3) and retrieves nothing.

Each system runs twice: with the triage labels (what the Kafka handler gets from triage) and
without any (`no_labels`: category inferred from the neighbours, no tags, priority derived from no
tags), so the dependency on triage is visible. The playbook baseline without labels uses the
category the plain-embedding recommender inferred.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from schemas.vocabulary import Action, Category, Priority, Sector, Tag
from services.recommend.cases import LineError, ResolvedCase
from services.recommend.models import Complaint, Recommendation, TextEmbedder
from services.recommend.playbook import PLAYBOOK
from services.recommend.retrieval import DEFAULT_K, InMemoryCaseIndex
from services.recommend.service import recommend_many

TOP_ACTIONS = 3
TOP_CASES = 5
EVAL_UNION = "local"  # the whole case file counts as the evaluating union's own

# Done-when targets of the recommend issue.
TARGETS: dict[str, float] = {"ndcg3": 0.8, "p1_first": 0.9, "category_p5": 0.8}
METRICS: tuple[str, ...] = ("ndcg3", "precision3", "p1_first", "category_p5", "hit3")

LABELS, NO_LABELS = "triage_labels", "no_labels"


class EvalComplaint(BaseModel):
    """One line of `--complaints`: a complaint with its triage labels and gold actions."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | int
    text: str = Field(min_length=1)
    sector: Sector | None = None
    category: Category
    secondary: list[Category] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    priority: Priority
    actions: list[Action] = Field(min_length=1)

    def complaint(self, *, labels: bool) -> Complaint:
        """As the recommender sees it: with triage's labels, or with nothing but text/sector."""
        common = {"complaint_id": str(self.id), "union_id": EVAL_UNION, "text": self.text}
        if not labels:
            return Complaint(sector=self.sector, **common)
        return Complaint(
            sector=self.sector,
            category=self.category,
            secondary=tuple(self.secondary),
            tags=frozenset(self.tags),
            priority=self.priority,
            **common,
        )


def read_complaints(path: Path) -> tuple[list[EvalComplaint], list[LineError]]:
    complaints: list[EvalComplaint] = []
    errors: list[LineError] = []
    with path.open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                complaints.append(EvalComplaint.model_validate_json(raw))
            except ValueError as exc:
                errors.append(LineError(number, str(exc).splitlines()[0]))
    return complaints, errors


# --- metrics on one ranking ----------------------------------------------------------------


def graded_gain(action: Action, gold: Sequence[Action]) -> float:
    """len(gold) - r for the gold action at rank r (0-based), 0 for actions not in gold."""
    return float(len(gold) - gold.index(action)) if action in gold else 0.0


def ndcg_at_k(predicted: Sequence[Action], gold: Sequence[Action], k: int = TOP_ACTIONS) -> float:
    dcg = sum(graded_gain(a, gold) / math.log2(i + 2) for i, a in enumerate(predicted[:k]))
    ideal = sum(graded_gain(a, gold) / math.log2(i + 2) for i, a in enumerate(gold[:k]))
    return dcg / ideal if ideal > 0 else 0.0


def precision_at_k(
    predicted: Sequence[Action], gold: Sequence[Action], k: int = TOP_ACTIONS
) -> float:
    return sum(1 for a in predicted[:k] if a in gold) / k


def hit_at_k(predicted: Sequence[Action], gold: Sequence[Action], k: int = TOP_ACTIONS) -> float:
    return 1.0 if any(a in gold for a in predicted[:k]) else 0.0


def first_action_correct(predicted: Sequence[Action], gold: Sequence[Action]) -> float:
    return 1.0 if predicted and gold and predicted[0] == gold[0] else 0.0


def category_precision_at_k(
    retrieved: Sequence[Category], category: Category, k: int = TOP_CASES
) -> float:
    """Share of the top `k` retrieved cases of `category` (missing ranks count as misses)."""
    return sum(1 for c in retrieved[:k] if c == category) / k


# --- baselines -------------------------------------------------------------------------------


def constant_actions(cases: Sequence[ResolvedCase], n: int = TOP_ACTIONS) -> list[Action]:
    """The `n` actions taken most often in the case base (ties: vocabulary order)."""
    counts = Counter(a for case in cases for a in dict.fromkeys(case.actions_taken))
    order = {a: i for i, a in enumerate(Action)}
    return sorted(counts, key=lambda a: (-counts[a], order[a]))[:n]


def playbook_actions(category: Category, n: int = TOP_ACTIONS) -> list[Action]:
    return list(PLAYBOOK[category].first_actions[:n])


def category_shares(cases: Sequence[ResolvedCase]) -> dict[Category, float]:
    counts = Counter(case.category for case in cases)
    return {c: counts[c] / len(cases) for c in Category} if cases else {}


# --- scoring a system ------------------------------------------------------------------------


@dataclass
class SystemScores:
    system: str  # constant | playbook | plain | hybrid
    setting: str  # triage_labels | no_labels | any
    ndcg3: float
    precision3: float
    p1_first: float | None  # None when no complaint is P1
    category_p5: float | None  # None when the system retrieves nothing
    hit3: float
    complaints: int
    p1_complaints: int
    per_complaint: list[dict[str, object]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.system if self.setting == "any" else f"{self.system} ({self.setting})"


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_system(
    system: str,
    setting: str,
    complaints: Sequence[EvalComplaint],
    predicted: Sequence[Sequence[Action]],
    retrieved: Sequence[Sequence[Category]] | None = None,
    chance: Sequence[float] | None = None,
) -> SystemScores:
    """Average the metrics of one system; `chance` replaces retrieval for the constant baseline."""
    ndcg, prec, hit, first, cat = [], [], [], [], []
    rows: list[dict[str, object]] = []
    for i, (item, actions) in enumerate(zip(complaints, predicted, strict=True)):
        gold = item.actions
        row: dict[str, object] = {
            "id": item.id,
            "predicted": [a.value for a in actions[:TOP_ACTIONS]],
            "gold": [a.value for a in gold],
            "ndcg3": round(ndcg_at_k(actions, gold), 4),
        }
        ndcg.append(ndcg_at_k(actions, gold))
        prec.append(precision_at_k(actions, gold))
        hit.append(hit_at_k(actions, gold))
        if item.priority is Priority.P1:
            first.append(first_action_correct(actions, gold))
            row["p1_first"] = bool(first[-1])
        if retrieved is not None:
            cat.append(category_precision_at_k(retrieved[i], item.category))
            row["category_p5"] = cat[-1]
        elif chance is not None:
            cat.append(chance[i])
        rows.append(row)
    return SystemScores(
        system=system,
        setting=setting,
        ndcg3=_mean(ndcg) or 0.0,
        precision3=_mean(prec) or 0.0,
        p1_first=_mean(first),
        category_p5=_mean(cat),
        hit3=_mean(hit) or 0.0,
        complaints=len(complaints),
        p1_complaints=len(first),
        per_complaint=rows,
    )


@dataclass
class EvalReport:
    cases: int
    complaints: int
    embedding_version: str
    k: int
    constant_actions: list[str]
    systems: list[SystemScores]

    def get(self, system: str, setting: str) -> SystemScores:
        return next(s for s in self.systems if s.system == system and s.setting == setting)

    def targets(self, system: str = "plain", setting: str = LABELS) -> dict[str, dict[str, object]]:
        """Each target metric of `system`: value, target, met, and margins over both baselines."""
        scores = self.get(system, setting)
        constant = self.get("constant", "any")
        playbook = self.get("playbook", setting)
        out: dict[str, dict[str, object]] = {}
        for metric, target in TARGETS.items():
            value = getattr(scores, metric)
            baselines = [getattr(b, metric) for b in (constant, playbook)]
            best = max((b for b in baselines if b is not None), default=None)
            out[metric] = {
                "value": value,
                "target": target,
                "met": value is not None and value >= target,
                "best_baseline": best,
                "above_baselines": value is not None and (best is None or value > best),
            }
        return out

    def to_json(self, *, per_complaint: bool = True) -> dict[str, object]:
        systems = []
        for s in self.systems:
            data = asdict(s)
            if not per_complaint:
                data.pop("per_complaint")
            systems.append(data)
        return {
            "cases": self.cases,
            "complaints": self.complaints,
            "embedding_version": self.embedding_version,
            "k": self.k,
            "constant_actions": self.constant_actions,
            "systems": systems,
            "targets": {
                f"{system} ({setting})": self.targets(system, setting)
                for system in ("plain", "hybrid")
                for setting in (LABELS, NO_LABELS)
            },
        }


def _actions(recommendation: Recommendation) -> list[Action]:
    return [a.action for a in recommendation.actions]


def _retrieved(recommendation: Recommendation) -> list[Category]:
    return [c.category for c in recommendation.similar_cases]


async def evaluate(
    cases: Sequence[ResolvedCase],
    complaints: Sequence[EvalComplaint],
    embedder: TextEmbedder,
    *,
    k: int = DEFAULT_K,
) -> EvalReport:
    """Run both baselines and plain/hybrid retrieval, with and without triage labels."""
    base = InMemoryCaseIndex.from_cases(cases, embedder)  # cases embedded once
    shares = category_shares(cases)
    constant = constant_actions(cases)
    systems = [
        score_system(
            "constant",
            "any",
            complaints,
            [constant] * len(complaints),
            chance=[shares.get(c.category, 0.0) for c in complaints],
        ),
        score_system(
            "playbook", LABELS, complaints, [playbook_actions(c.category) for c in complaints]
        ),
    ]
    inferred: list[Category] = []
    for hybrid in (False, True):
        index = base.with_hybrid(hybrid)
        name = "hybrid" if hybrid else "plain"
        for setting in (LABELS, NO_LABELS):
            inputs = [c.complaint(labels=setting == LABELS) for c in complaints]
            results = await recommend_many(inputs, index, embedder, k=k)
            if not hybrid and setting == NO_LABELS:
                inferred = [r.category for r in results]
            systems.append(
                score_system(
                    name,
                    setting,
                    complaints,
                    [_actions(r) for r in results],
                    [_retrieved(r) for r in results],
                )
            )
    systems.append(
        score_system("playbook", NO_LABELS, complaints, [playbook_actions(c) for c in inferred])
    )
    order = {("constant", "any"): 0, ("playbook", LABELS): 1, ("plain", LABELS): 2}
    order |= {("hybrid", LABELS): 3, ("playbook", NO_LABELS): 4, ("plain", NO_LABELS): 5}
    order |= {("hybrid", NO_LABELS): 6}
    systems.sort(key=lambda s: order[(s.system, s.setting)])
    return EvalReport(
        cases=len(cases),
        complaints=len(complaints),
        embedding_version=embedder.version,
        k=k,
        constant_actions=[a.value for a in constant],
        systems=systems,
    )


def write_json(report: EvalReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")


def plot(report: EvalReport, path: Path) -> None:
    """Grouped bar chart: one group per metric, one bar per system (a missing value: no bar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = report.systems
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(12, 5))
    for i, s in enumerate(systems):
        values = [getattr(s, m) for m in METRICS]
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(METRICS))]
        present = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        hatch = "//" if s.setting == NO_LABELS else None
        ax.bar([x for x, _ in present], [v for _, v in present], width, label=s.name, hatch=hatch)
    for j, metric in enumerate(METRICS):
        if metric in TARGETS:
            ax.hlines(TARGETS[metric], j - 0.4, j + 0.4, colors="black", linestyles="dashed")
    ax.set_xticks(range(len(METRICS)))
    ax.set_xticklabels(["nDCG@3", "P@3", "P1 first action", "category P@5", "hit@3 (ref.)"])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(
        f"recommend eval: {report.complaints} complaints, {report.cases} cases,"
        f" {report.embedding_version} (dashed: targets)"
    )
    ax.legend(fontsize=8, ncols=2, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
