"""Offline evaluation of follow-up recommendations against gold actions (`aduan recommend eval`).

Every system is measured through `service.recommend_many`, the code path of the Kafka handler,
on an in-memory index of a case file. Complaints carry gold `actions` (most important first) and
their gold labels (`category`, `secondary`, `tags`, `priority`, as in schemas/examples).

Metrics, per complaint, then averaged:

- nDCG@3, graded by the gold order: the gold action at gold rank r (0-based) has gain
  len(gold) - r, any other action 0; DCG@3 = sum over the top three recommended of
  gain / log2(position + 2); divided by the DCG of the gold list's own top three.
- precision@3: share of the top three recommended actions that are in the gold list.
- P1 first-action accuracy: over complaints whose *gold* priority is P1, whether the first
  recommended action is the gold first action (so a P1 that triage missed counts as a miss).
- category precision@5: share of the five most similar retrieved cases whose category is the
  complaint's *gold* category.
- hit@3 (reference only): whether any of the top three is in the gold list. A constant list scores
  high on it, so it does not separate systems.

Baselines, computed in the same run: `constant` recommends the three actions taken most often in
the case base, for every complaint (its category precision@5 is chance: the share of the
complaint's category among all cases, what five random cases would score); `playbook`
recommends the first three actions of the category playbook (docs/domain.md §5.4) and retrieves
nothing.

Retrieval systems: `plain` (vector only), `hybrid` (vector + BM25, RRF) and `category_aware`
(hybrid candidates plus the complaint's category, re-ranked by agreement with the labels,
rerank.py; the service's default for triaged complaints).

Settings, i.e. where the labels the recommender gets come from:
- `gold_labels`: the complaint file's own labels, as if triage were perfect;
- `triage_output`: what the triage model really said about each text (a file of
  `aduan triage classify` output, `--triaged`); only the labels change, the gold stays;
- `no_labels`: nothing (category inferred from the neighbours, no tags, priority derived from no
  tags). `category_aware` needs labels, so it is not run here (it would equal `hybrid`); the
  playbook baseline uses the category the plain-embedding recommender inferred.

`predict` produces every system's output for a list of complaints on one index, and
`Predictions.report` scores it; `evaluate` is the two in a row, and the leave-one-writer-out
evaluation (writer_eval.py) runs `predict` once per writer and scores the pooled results.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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

GOLD, TRIAGED, NO_LABELS = "gold_labels", "triage_output", "no_labels"
SETTINGS: tuple[str, ...] = (GOLD, TRIAGED, NO_LABELS)
BASELINES: tuple[str, ...] = ("constant", "playbook")
RETRIEVERS: tuple[str, ...] = ("plain", "hybrid", "category_aware")


class TriageOutput(BaseModel):
    """One line of `aduan triage classify` output (its JSONL contract); extra keys ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | int
    category: Category
    secondary: list[Category] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    priority: Priority


class EvalComplaint(BaseModel):
    """One line of `--complaints`: a complaint with its gold labels and gold actions."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | int
    text: str = Field(min_length=1)
    sector: Sector | None = None
    category: Category
    secondary: list[Category] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list)
    priority: Priority
    actions: list[Action] = Field(min_length=1)

    def complaint(self, labels: EvalComplaint | TriageOutput | None) -> Complaint:
        """As the recommender sees it: with `labels` (gold or triage's), or with nothing."""
        common = {"complaint_id": str(self.id), "union_id": EVAL_UNION, "text": self.text}
        if labels is None:
            return Complaint(sector=self.sector, **common)
        return Complaint(
            sector=self.sector,
            category=labels.category,
            secondary=tuple(labels.secondary),
            tags=frozenset(labels.tags),
            priority=labels.priority,
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


def read_triaged(path: Path) -> tuple[dict[str, TriageOutput], list[LineError]]:
    """`aduan triage classify` output by complaint id (as a string)."""
    triaged: dict[str, TriageOutput] = {}
    errors: list[LineError] = []
    with path.open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                line = TriageOutput.model_validate_json(raw)
            except ValueError as exc:
                errors.append(LineError(number, str(exc).splitlines()[0]))
                continue
            triaged[str(line.id)] = line
    return triaged, errors


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
    system: str  # constant | playbook | plain | hybrid | category_aware
    setting: str  # gold_labels | triage_output | no_labels | any (constant)
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


@dataclass(frozen=True)
class TargetCheck:
    """One target metric of one system, beside its target and both baselines."""

    value: float | None
    target: float
    constant: float | None
    playbook: float | None

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.target

    @property
    def above_baselines(self) -> bool:
        """Above the better baseline (one that does not measure the metric does not count)."""
        best = max((b for b in (self.constant, self.playbook) if b is not None), default=None)
        return self.value is not None and (best is None or self.value > best)

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "met": self.met, "above_baselines": self.above_baselines}


@dataclass
class EvalReport:
    cases: int
    complaints: int
    embedding_version: str
    k: int
    constant_actions: list[str]
    systems: list[SystemScores]
    triaged_from: str | None = None  # the `--triaged` file, when the triage_output setting ran

    @property
    def settings(self) -> list[str]:
        return [s for s in SETTINGS if any(x.setting == s for x in self.systems)]

    def find(self, system: str, setting: str) -> SystemScores | None:
        return next((s for s in self.systems if s.system == system and s.setting == setting), None)

    def get(self, system: str, setting: str) -> SystemScores:
        found = self.find(system, setting)
        if found is None:
            raise KeyError(f"{system} ({setting}) was not evaluated")
        return found

    def in_setting(self, setting: str) -> list[SystemScores]:
        """Baselines first (constant, playbook), then the retrievers, for one setting."""
        rows = [self.get("constant", "any")]
        rows += [s for name in ("playbook", *RETRIEVERS) if (s := self.find(name, setting))]
        return rows

    def targets(self, system: str, setting: str) -> dict[str, TargetCheck]:
        """Each target metric of `system` in `setting`, beside its target and both baselines."""
        scores = self.get(system, setting)
        constant = self.get("constant", "any")
        playbook = self.get("playbook", setting)
        return {
            metric: TargetCheck(
                getattr(scores, metric),
                target,
                getattr(constant, metric),
                getattr(playbook, metric),
            )
            for metric, target in TARGETS.items()
        }

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
            "triaged_from": self.triaged_from,
            "systems": systems,
            "targets": {
                s.name: {m: c.to_json() for m, c in self.targets(s.system, s.setting).items()}
                for s in self.systems
                if s.system in RETRIEVERS
            },
        }


def _actions(recommendation: Recommendation) -> list[Action]:
    return [a.action for a in recommendation.actions]


def _retrieved(recommendation: Recommendation) -> list[Category]:
    return [c.category for c in recommendation.similar_cases]


def _labels(
    setting: str, item: EvalComplaint, triaged: Mapping[str, TriageOutput] | None
) -> EvalComplaint | TriageOutput | None:
    if setting == GOLD:
        return item
    if setting == TRIAGED and triaged is not None:
        return triaged[str(item.id)]
    return None


def run_plan(settings: Sequence[str]) -> list[tuple[str, str]]:
    """(system, setting) of every retriever run, in the order `predict` runs them."""
    return [
        (system, setting)
        for system in RETRIEVERS
        for setting in settings
        # Without labels there is nothing to be aware of: it would be `hybrid` again.
        if not (system == "category_aware" and setting == NO_LABELS)
    ]


def settings_for(triaged: Mapping[str, TriageOutput] | None) -> list[str]:
    """The label settings one evaluation runs: triage_output only with triage's output."""
    return [s for s in SETTINGS if s != TRIAGED or triaged is not None]


def check_triaged(
    complaints: Sequence[EvalComplaint], triaged: Mapping[str, TriageOutput] | None
) -> None:
    """ValueError when `triaged` (if given) lacks some complaint id."""
    if triaged is None:
        return
    missing = [str(c.id) for c in complaints if str(c.id) not in triaged]
    if missing:
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ValueError(f"no triage output for complaints {', '.join(missing[:10])}{more}")


@dataclass
class Run:
    """What one system recommended (and retrieved) for each complaint, in one setting."""

    system: str
    setting: str
    actions: list[list[Action]]
    retrieved: list[list[Category]] | None = None  # None: the system retrieves nothing
    chance: list[float] | None = None  # the constant baseline's category P@5 (chance)

    def extend(self, other: Run) -> None:
        """Append another group of complaints' results (same system and setting)."""
        self.actions += other.actions
        if self.retrieved is not None and other.retrieved is not None:
            self.retrieved += other.retrieved
        if self.chance is not None and other.chance is not None:
            self.chance += other.chance

    def score(self, complaints: Sequence[EvalComplaint]) -> SystemScores:
        return score_system(
            self.system, self.setting, complaints, self.actions, self.retrieved, self.chance
        )


@dataclass
class Predictions:
    """Every system's output for a list of complaints, before any metric is computed."""

    cases: int
    constant: list[Action]
    runs: list[Run]

    def report(
        self,
        complaints: Sequence[EvalComplaint],
        embedding_version: str,
        k: int,
        triaged_from: str | None = None,
    ) -> EvalReport:
        systems = sorted((run.score(complaints) for run in self.runs), key=_report_order)
        return EvalReport(
            cases=self.cases,
            complaints=len(complaints),
            embedding_version=embedding_version,
            k=k,
            constant_actions=[a.value for a in self.constant],
            systems=systems,
            triaged_from=triaged_from,
        )


async def predict(
    base: InMemoryCaseIndex,
    complaints: Sequence[EvalComplaint],
    embedder: TextEmbedder,
    *,
    k: int = DEFAULT_K,
    triaged: Mapping[str, TriageOutput] | None = None,
    on_run: Callable[[int], None] | None = None,
) -> Predictions:
    """Both baselines and every retriever in each setting, on the cases of `base`, through
    `recommend_many` (`on_run` hears the number of complaints after each retriever run)."""
    cases = base.cases
    shares = category_shares(cases)
    constant = constant_actions(cases)
    settings = settings_for(triaged)
    runs = [
        Run(
            "constant",
            "any",
            [list(constant) for _ in complaints],
            chance=[shares.get(c.category, 0.0) for c in complaints],
        )
    ]
    base.bm25  # noqa: B018 -- built once here, shared by the hybrid twins below
    plain: dict[str, list[Recommendation]] = {}
    retrievers = []
    for system, setting in run_plan(settings):
        index = base.with_hybrid(system != "plain", category_aware=system == "category_aware")
        inputs = [c.complaint(_labels(setting, c, triaged)) for c in complaints]
        results = await recommend_many(inputs, index, embedder, k=k)
        if system == "plain":
            plain[setting] = results
        retrievers.append(
            Run(system, setting, [_actions(r) for r in results], [_retrieved(r) for r in results])
        )
        if on_run is not None:
            on_run(len(complaints))
    for setting in settings:
        # Without labels, the playbook of the category the plain recommender inferred.
        runs.append(
            Run("playbook", setting, [playbook_actions(r.category) for r in plain[setting]])
        )
    return Predictions(cases=len(cases), constant=constant, runs=runs + retrievers)


def _report_order(scores: SystemScores) -> tuple[int, int]:
    """Constant first, then per setting: playbook, plain, hybrid, category_aware."""
    setting = SETTINGS.index(scores.setting) if scores.setting in SETTINGS else -1
    return setting, ("constant", "playbook", *RETRIEVERS).index(scores.system)


async def evaluate(
    cases: Sequence[ResolvedCase],
    complaints: Sequence[EvalComplaint],
    embedder: TextEmbedder,
    *,
    k: int = DEFAULT_K,
    triaged: Mapping[str, TriageOutput] | None = None,
    triaged_from: str | None = None,
) -> EvalReport:
    """Both baselines and every retriever, in each label setting (triage_output needs
    `triaged`, which must cover every complaint id)."""
    check_triaged(complaints, triaged)
    base = InMemoryCaseIndex.from_cases(cases, embedder)  # cases embedded once
    predictions = await predict(base, complaints, embedder, k=k, triaged=triaged)
    return predictions.report(complaints, embedder.version, k, triaged_from)


def write_json(report: EvalReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
