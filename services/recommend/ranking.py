"""Rank follow-up actions for one complaint from its nearest resolved cases and the playbook.

Pure functions, no I/O: the Kafka handler, the CLI and the tests all call `rank_actions`.

How an action is scored:
1. Each neighbour votes for the actions it took, weighted by how similar it is (and whether it
   had the same category), by how the case ended (resolved 1.0, partially 0.5, not resolved
   0.1) and by when the action came in the case (the first step counts most). The vote share is
   the case evidence, in [0, 1].
2. The category's playbook (docs/domain.md §5.4) gives a prior: its first action 1.0, later ones
   less.
3. The two are blended by how much case evidence there is: a thin or distant case base leaves
   the playbook in charge, a rich one lets past outcomes decide.
4. Tags add actions the category alone does not imply (a buyer named → supply-chain escalation).
5. For P1 complaints the urgent actions that fit the tags go first, whatever the votes say;
   when several fit, the one similar cases took first leads.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.vocabulary import ACTION_LABELS, CATEGORY_LABELS, Action, Category, Outcome, Priority
from schemas.vocabulary import Tag as T
from services.recommend.deadlines import DeadlineRule
from services.recommend.models import Complaint, Neighbour, RecommendedAction
from services.recommend.playbook import DEFAULT_PLAYBOOK, URGENT_ACTIONS, Playbook
from services.runtime.businesstime import NATIONAL_CALENDAR, WorkCalendar

RANKING_VERSION = "recommend-rank-4"

OUTCOME_WEIGHT: dict[Outcome, float] = {
    Outcome.RESOLVED: 1.0,
    Outcome.PARTIALLY_RESOLVED: 0.5,
    Outcome.NOT_RESOLVED: 0.1,
}
# Below this cosine similarity a case is about something else (MiniLM on informal Indonesian
# puts unrelated complaints around 0.1-0.35); above it, relevance rises linearly to 1.
MIN_SIMILARITY = 0.3
# The playbook counts like this many fully relevant neighbours: with 2 good neighbours case
# evidence and playbook weigh the same.
PRIOR_STRENGTH = 2.0
# A neighbour of another category still says something about procedure, but less.
SAME_CATEGORY, RELATED_CATEGORY, OTHER_CATEGORY = 1.0, 0.7, 0.4
SECONDARY_PRIOR = 0.6
# Urgent playbook actions (OSH, harassment, forced labour) without a tag showing the harm.
UNSHOWN_HARM_PRIOR = 0.4
SUPPORTING_CASES_SHOWN = 5
# A P1 without a tag naming the harm takes an urgent step first when at least this share of the
# similar cases' weight went to cases that began with one. On the writers' corpus with triage's
# labels (93 such P1s among 1,217 emergencies, 16 of them right before) it lifted P1 first-action
# accuracy from 0.823 to 0.845 at unchanged nDCG@3; without the condition (any similar case
# that took an urgent step) 0.851, but false alarms then lost their first step (nDCG@3 0.821).
EMERGENCY_CASE_SHARE = 0.5
# When several urgent steps fit, a similar case whose tags show another harm (violence without
# the injury, say) votes for which leads at this weight. On the writers' corpus, leave one writer
# out, P1 first-action accuracy went from 0.908 (every case alike, 1.0) to 0.923 with gold
# labels and from 0.865 to 0.870 with triage's from four writer folds; 0.1 gave 0.926 and 0.866.
OTHER_HARM = 0.25


def position_weight(position: int) -> float:
    """A case's actions are recorded in the order they were taken: its first step says most
    about what to do first. The DCG discount, 1/log2(position + 2): the first step counts 1, the
    second 0.63, the fifth 0.39. On the writers' corpus (leave one writer out, gold labels) it
    lifted nDCG@3 from 0.836 to 0.871; every step still counts, so precision@3 moved little."""
    return 1.0 / math.log2(position + 2)


# Actions below this score are noise (one distant case of another category took them).
MIN_SCORE = 0.1


@dataclass(frozen=True)
class TagRule:
    """An action a tag calls for, whatever the category."""

    action: Action
    tags: frozenset[T]  # fires when all of these are present
    floor: float  # the action scores at least this
    reason: str


def _rule(action: Action, tags: set[T], floor: float, reason: str) -> TagRule:
    return TagRule(action, frozenset(tags), floor, reason)


TAG_RULES: tuple[TagRule, ...] = (
    _rule(
        Action.INFORMATION_RESPONSE,
        {T.INFO_REQUEST},
        0.85,
        "pekerja bertanya: jelaskan aturan dan pilihannya",
    ),
    _rule(
        Action.LEGAL_AID_REFERRAL, {T.LEGAL_AID_REQUESTED}, 0.85, "pekerja minta pendampingan hukum"
    ),
    _rule(
        Action.CHILD_PROTECTION_REFERRAL,
        {T.MINOR_INVOLVED},
        0.85,
        "ada anak di bawah 18 tahun; jangan publikasikan identitasnya",
    ),
    _rule(
        Action.LABOUR_INSPECTION_REPORT,
        {T.MINOR_INVOLVED},
        0.7,
        "pekerja anak adalah pelanggaran norma yang diawasi pengawas",
    ),
    _rule(
        Action.SATGAS_PPKS_REFERRAL,
        {T.SEXUAL_VIOLENCE},
        0.85,
        "kekerasan seksual: rujuk Satgas PPKS / komite perempuan dengan persetujuan penyintas",
    ),
    _rule(
        Action.POLICE_REPORT,
        {T.SEXUAL_VIOLENCE},
        0.8,
        "kekerasan seksual adalah pidana (UU TPKS, unit PPA), dengan persetujuan penyintas",
    ),
    _rule(Action.POLICE_REPORT, {T.PHYSICAL_VIOLENCE}, 0.75, "penganiayaan adalah pidana"),
    _rule(
        Action.POLICE_REPORT,
        {T.DOCUMENT_RETENTION, T.DEBT_OR_RECRUITMENT_FEE},
        0.7,
        "dokumen ditahan + jeratan utang: indikasi TPPO",
    ),
    _rule(
        Action.SUPPLY_CHAIN_ESCALATION,
        {T.BUYER_OR_CERTIFICATION_LINK},
        0.75,
        "buyer/brand/sertifikasi disebut: gunakan tekanan rantai pasok",
    ),
    _rule(
        Action.MEDICAL_CARE_DOCUMENTATION,
        {T.INJURY},
        0.8,
        "ada cedera: rawat dulu, lalu dokumentasi medis",
    ),
    _rule(
        Action.MEDICAL_CARE_DOCUMENTATION,
        {T.PHYSICAL_VIOLENCE},
        0.8,
        "kekerasan fisik: visum dan rekam medis",
    ),
    _rule(
        Action.MEDICAL_CARE_DOCUMENTATION,
        {T.ILLNESS_SYMPTOMS},
        0.6,
        "ada gejala sakit akibat kerja",
    ),
    _rule(
        Action.BPJS_COMPLAINT, {T.INJURY}, 0.6, "kecelakaan kerja harus dilaporkan dan JKK diklaim"
    ),
    _rule(Action.URGENT_SAFETY_RESPONSE, {T.IMMEDIATE_DANGER}, 0.85, "bahaya sedang terjadi"),
    _rule(
        Action.CONFIDENTIAL_SAFETY_PLAN,
        {T.SELF_HARM_RISK},
        0.85,
        "ada tanda pekerja bisa menyakiti diri",
    ),
    _rule(
        Action.CONFIDENTIAL_SAFETY_PLAN,
        {T.SEXUAL_VIOLENCE},
        0.8,
        "penyintas kekerasan seksual: pisahkan dari pelaku, lindungi identitas",
    ),
    _rule(
        Action.CONFIDENTIAL_SAFETY_PLAN,
        {T.ANONYMITY_REQUESTED},
        0.6,
        "pekerja minta identitasnya dirahasiakan",
    ),
    _rule(Action.CONFIDENTIAL_SAFETY_PLAN, {T.RETALIATION_FEARED}, 0.55, "pekerja takut dibalas"),
    _rule(
        Action.CALCULATE_ENTITLEMENT,
        {T.MONEY_AMOUNT_STATED},
        0.6,
        "nominal disebut, kekurangan bisa dihitung",
    ),
    _rule(
        Action.COLLECTIVE_BARGAINING,
        {T.WANTS_COLLECTIVE_ACTION},
        0.75,
        "pekerja ingin aksi kolektif: pastikan mogok sah",
    ),
    _rule(
        Action.COLLECTIVE_BARGAINING,
        {T.MASS_LAYOFF_OR_CLOSURE},
        0.6,
        "PHK massal/penutupan: tangani secara kolektif",
    ),
)


@dataclass(frozen=True)
class Fit:
    """When an urgent action fits: all of `tags` present and none of `unless`."""

    tags: frozenset[T]
    unless: frozenset[T] = frozenset()

    def __call__(self, tags: frozenset[T]) -> bool:
        return self.tags <= tags and not self.unless & tags


def _fit(*tags: T, unless: tuple[T, ...] = ()) -> Fit:
    return Fit(frozenset(tags), frozenset(unless))


# P1 only: which tags make an urgent action fit (docs/domain.md §5.1 "when it fits"). Any one of the
# fits suffices. A physical hazard now calls for `urgent_safety_response`; a worker at risk of
# self-harm for a confidential safety plan, not an evacuation; a child at work for child
# protection first. A pregnant worker exposed to chemicals is in danger now (take her off the
# task) while she is pregnant; once she has given birth (`new_or_breastfeeding_mother`) the
# exposure lies in the past and nobody is to be taken away from a hazard now: what is urgent
# then is a medical check of mother and baby and the medical record of the exposure. A death
# by itself fits none of them: the danger is past unless `immediate_danger` says it is not, and
# nobody is to be treated unless `injury` says so. Such a P1 leads with an urgent step only when
# similar cases did (urgent_steps); the writers' corpus began 74 of its 102 deaths without
# another harm by collecting evidence, and with `fatality` fitting both steps the right first
# action was given to 16 of them (P1 first action, gold labels, 0.890 -> 0.908).
URGENT_FIT: dict[Action, tuple[Fit, ...]] = {
    Action.URGENT_SAFETY_RESPONSE: (
        _fit(T.IMMEDIATE_DANGER),
        _fit(T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE, unless=(T.NEW_OR_BREASTFEEDING_MOTHER,)),
    ),
    Action.MEDICAL_CARE_DOCUMENTATION: (
        _fit(T.INJURY),
        _fit(T.PHYSICAL_VIOLENCE),
        _fit(T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE, T.NEW_OR_BREASTFEEDING_MOTHER),
    ),
    Action.CONFIDENTIAL_SAFETY_PLAN: (
        _fit(T.SEXUAL_VIOLENCE),
        _fit(T.PHYSICAL_VIOLENCE),
        _fit(T.SELF_HARM_RISK),
        _fit(T.DOCUMENT_RETENTION, T.DEBT_OR_RECRUITMENT_FEE),
    ),
    Action.CHILD_PROTECTION_REFERRAL: (_fit(T.MINOR_INVOLVED),),
}
# Which harm a complaint shows: the tags that make some urgent action fit, and a death, which
# by itself makes none fit but is a harm of its own when similar cases are weighed.
HARM_TAGS: frozenset[T] = frozenset(
    {T.FATALITY, *(tag for fits in URGENT_FIT.values() for fit in fits for tag in fit.tags)}
)

# docs/domain.md §4 suggested triage, used when the complaint arrives without a priority.
P1_TAG_SETS: tuple[frozenset[T], ...] = (
    frozenset({T.FATALITY}),
    frozenset({T.IMMEDIATE_DANGER}),
    frozenset({T.SEXUAL_VIOLENCE}),
    frozenset({T.PHYSICAL_VIOLENCE}),
    frozenset({T.SELF_HARM_RISK}),
    frozenset({T.INJURY, T.DEADLINE_IMMINENT}),
    frozenset({T.DOCUMENT_RETENTION, T.DEBT_OR_RECRUITMENT_FEE}),
    frozenset({T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE}),
)
P2_TAGS = frozenset(
    {T.DEADLINE_IMMINENT, T.LOSS_OF_INCOME_NOW, T.RETALIATION_OCCURRED, T.MASS_LAYOFF_OR_CLOSURE}
)
HAZARDOUS_CHILD_CATEGORIES = frozenset({Category.CHILD_LABOUR, Category.OSH_SAFETY_HEALTH})


@dataclass
class Ranking:
    category: Category
    category_inferred: bool
    category_confidence: float  # 1.0 when the complaint came with its category
    priority: Priority
    actions: list[RecommendedAction]


@dataclass
class _Score:
    """Working state for one action while it is being scored."""

    value: float = 0.0
    urgent: bool = False  # P1 urgent action: ranked before everything else
    urgent_rank: int = 0  # among the urgent actions (urgent_order)
    reasons: list[str] = field(default_factory=list)
    supporters: list[str] = field(default_factory=list)


def derive_priority(tags: frozenset[T], category: Category | None = None) -> Priority:
    """docs/domain.md §4 priority from tags, for complaints that come without one (e.g. the CLI)."""
    if any(combo <= tags for combo in P1_TAG_SETS):
        return Priority.P1
    if T.MINOR_INVOLVED in tags and category in HAZARDOUS_CHILD_CATEGORIES:
        return Priority.P1
    return Priority.P2 if tags & P2_TAGS else Priority.P3


def relevance(similarity: float) -> float:
    """0 below MIN_SIMILARITY, rising linearly to 1 at identical texts."""
    return max(0.0, min(1.0, (similarity - MIN_SIMILARITY) / (1.0 - MIN_SIMILARITY)))


def infer_category(neighbours: Sequence[Neighbour]) -> tuple[Category, float]:
    """Similarity-weighted vote of the neighbours; (OTHER, 0.0) when none is relevant."""
    votes: dict[Category, float] = defaultdict(float)
    for neighbour in neighbours:
        votes[neighbour.category] += relevance(neighbour.similarity)
    total = sum(votes.values())
    if total <= 0:
        return Category.OTHER, 0.0
    best = max(votes, key=lambda c: votes[c])
    return best, votes[best] / total


def neighbour_weight(
    neighbour: Neighbour, category: Category, secondary: Sequence[Category]
) -> float:
    if neighbour.category == category:
        factor = SAME_CATEGORY
    elif neighbour.category in secondary:
        factor = RELATED_CATEGORY
    else:
        factor = OTHER_CATEGORY
    return relevance(neighbour.similarity) * factor


def playbook_prior(
    action: Action,
    category: Category,
    secondary: Sequence[Category],
    tags: frozenset[T],
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> tuple[float, str | None]:
    """Prior from the primary (full) and secondary (reduced) playbooks, with the reason."""
    best, reason = 0.0, None
    for cat, factor in [(category, 1.0), *((s, SECONDARY_PRIOR) for s in secondary)]:
        rank = playbook.rank(cat, action)
        if rank is None:
            continue
        prior = max(0.5, 1.0 - 0.1 * rank) * factor
        if action in URGENT_ACTIONS and not _harm_shown(action, tags):
            prior *= UNSHOWN_HARM_PRIOR
        if prior > best:
            best, reason = prior, f"playbook {CATEGORY_LABELS[cat]} langkah ke-{rank + 1}"
    return best, reason


def _harm_shown(action: Action, tags: frozenset[T]) -> bool:
    return any(fit(tags) for fit in URGENT_FIT[action]) or any(
        rule.action is action and rule.tags <= tags for rule in TAG_RULES
    )


def _case_votes(
    neighbours: Sequence[Neighbour], category: Category, secondary: Sequence[Category]
) -> tuple[dict[Action, _Score], dict[Action, dict[Outcome, int]], float]:
    """Outcome-weighted vote share per action, the outcomes behind it, and the evidence mass."""
    support: dict[Action, float] = defaultdict(float)
    outcomes: dict[Action, dict[Outcome, int]] = defaultdict(lambda: defaultdict(int))
    backers: dict[Action, list[tuple[float, str]]] = defaultdict(list)
    mass = 0.0
    for neighbour in neighbours:
        weight = neighbour_weight(neighbour, category, secondary)
        if weight <= 0:
            continue
        mass += weight
        for position, action in enumerate(dict.fromkeys(neighbour.actions_taken)):
            vote = weight * OUTCOME_WEIGHT[neighbour.outcome] * position_weight(position)
            support[action] += vote
            outcomes[action][neighbour.outcome] += 1
            backers[action].append((vote, neighbour.case_id))
    scores: dict[Action, _Score] = {}
    for action, total in support.items():
        ranked = [case_id for _, case_id in sorted(backers[action], key=lambda b: -b[0])]
        scores[action] = _Score(value=total / mass, supporters=ranked)
    return scores, outcomes, mass


def _describe_votes(counts: dict[Outcome, int], supporters: list[str], pool: int) -> str:
    shown = ", ".join(supporters[:3]) + (" dll" if len(supporters) > 3 else "")
    taken = sum(counts.values())
    parts = [
        f"{counts[o]} {label}"
        for o, label in (
            (Outcome.RESOLVED, "selesai"),
            (Outcome.PARTIALLY_RESOLVED, "selesai sebagian"),
            (Outcome.NOT_RESOLVED, "tidak selesai"),
        )
        if counts.get(o)
    ]
    return f"Dipakai di {taken} dari {pool} kasus serupa ({', '.join(parts)}): {shown}."


def _deadline_rule(
    action: Action, categories: set[Category], tags: frozenset[T]
) -> DeadlineRule | None:
    """Which legal deadline governs `action` for a complaint touching `categories`."""
    dismissal = Category.TERMINATION_SEVERANCE in categories
    accident = Category.OSH_SAFETY_HEALTH in categories or bool({T.INJURY, T.FATALITY} & tags)
    match action:
        case Action.THR_COMPLAINT_POST:
            return DeadlineRule.THR_DUE
        case Action.BIPARTITE_NEGOTIATION:
            return DeadlineRule.DISMISSAL_REFUSAL if dismissal else DeadlineRule.BIPARTITE
        case Action.DISNAKER_MEDIATION:
            return DeadlineRule.MEDIATION
        case Action.INDUSTRIAL_COURT_CLAIM if dismissal:
            return DeadlineRule.PHK_LAWSUIT
        case Action.BPJS_COMPLAINT if accident:
            return DeadlineRule.ACCIDENT_REPORT
        case Action.BPJS_COMPLAINT if dismissal:
            return DeadlineRule.JKP_CLAIM
        case Action.MEDICAL_CARE_DOCUMENTATION if accident and bool({T.INJURY, T.FATALITY} & tags):
            return DeadlineRule.ACCIDENT_REPORT
        case Action.COLLECTIVE_BARGAINING if T.WANTS_COLLECTIVE_ACTION in tags:
            return DeadlineRule.STRIKE_NOTICE
    return None


def urgent_order(
    candidates: Sequence[Action],
    harm: frozenset[T],
    neighbours: Sequence[Neighbour],
    category: Category,
    secondary: Sequence[Category],
) -> list[Action]:
    """`candidates`, the urgent action most similar cases took first leading.

    Each case votes, by its weight, for whichever candidate it took earliest: violence may call
    for medical care or for a safety plan first, and cases like this one say which. `harm` is
    the complaint's own HARM_TAGS: a case tagged with the same ones saw the same harm (violence
    that injured, say, not violence alone) and votes in full, any other at OTHER_HARM. Ties (no
    case took any candidate) keep URGENT_ACTIONS' order, the order of DOMAIN's urgent steps.
    """
    first_taken: dict[Action, float] = defaultdict(float)
    for neighbour in neighbours:
        earliest = next((a for a in neighbour.actions_taken if a in candidates), None)
        if earliest is not None:
            same_harm = neighbour.tags & HARM_TAGS == harm
            weight = neighbour_weight(neighbour, category, secondary)
            first_taken[earliest] += weight * (1.0 if same_harm else OTHER_HARM)
    return sorted(candidates, key=lambda a: (-first_taken[a], URGENT_ACTIONS.index(a)))


def fitting_urgent(tags: frozenset[T]) -> list[Action]:
    """The urgent actions some fit of URGENT_FIT calls for, in URGENT_ACTIONS' order."""
    return [a for a in URGENT_ACTIONS if any(fit(tags) for fit in URGENT_FIT[a])]


def urgent_steps(
    tags: frozenset[T],
    neighbours: Sequence[Neighbour],
    category: Category,
    secondary: Sequence[Category],
) -> list[tuple[Action, str]]:
    """The urgent actions a P1 complaint leads with, in order, each with the reason shown.

    The tags say which harm, hence which urgent steps fit. A P1 whose tags name no harm (the
    emergency detector raised it from the way it is told) leads with one urgent step when most
    similar cases were handled as emergencies (EMERGENCY_CASE_SHARE): the one they took first.
    """
    fitting, harm = fitting_urgent(tags), tags & HARM_TAGS
    if fitting:
        order = urgent_order(fitting, harm, neighbours, category, secondary)
        return [(a, f"Prioritas P1 ({_fit_shown(a, tags)})") for a in order]
    weighed = [(n, neighbour_weight(n, category, secondary)) for n in neighbours]
    emergencies = [(n, w) for n, w in weighed if w > 0 and _began_urgently(n)]
    handled_as_emergency = sum(w for _, w in emergencies)
    if not emergencies or handled_as_emergency < EMERGENCY_CASE_SHARE * sum(w for _, w in weighed):
        return []
    cases = [n for n, _ in emergencies]
    taken = [a for a in URGENT_ACTIONS if any(n.actions_taken[0] is a for n in cases)]
    first = urgent_order(taken, harm, cases, category, secondary)[0]
    return [(first, "Prioritas P1, langkah darurat yang didahulukan kasus serupa")]


def _began_urgently(case: Neighbour) -> bool:
    return bool(case.actions_taken) and case.actions_taken[0] in URGENT_ACTIONS


def _fit_shown(action: Action, tags: frozenset[T]) -> str:
    fit = next(fit for fit in URGENT_FIT[action] if fit(tags))
    return " + ".join(sorted(fit.tags))


def _apply_urgency(scores: dict[Action, _Score], steps: list[tuple[Action, str]]) -> None:
    for rank, (action, why) in enumerate(steps):
        score = scores.setdefault(action, _Score())
        score.value, score.urgent, score.urgent_rank = 1.0, True, rank
        score.reasons.insert(0, f"{why}: lakukan dalam 24 jam, sebelum langkah lain.")


def rank_actions(
    complaint: Complaint,
    neighbours: Sequence[Neighbour],
    *,
    top_n: int | None = None,
    calendar: WorkCalendar = NATIONAL_CALENDAR,
    playbook: Playbook = DEFAULT_PLAYBOOK,
) -> Ranking:
    """Ranked follow-up actions for `complaint`, each with the cases and rules behind it.

    `playbook` is the shipped one unless the service was started with its own file.
    """
    category, inferred, confidence = complaint.category, False, 1.0
    if category is None:
        category, confidence = infer_category(neighbours)
        inferred = True
    secondary = [c for c in complaint.secondary if c != category]
    tags = complaint.tags
    priority = complaint.priority or derive_priority(tags, category)

    votes, outcomes, mass = _case_votes(neighbours, category, secondary)
    trust = mass / (mass + PRIOR_STRENGTH)  # 0 with no relevant case, → 1 with many
    pool = sum(1 for n in neighbours if neighbour_weight(n, category, secondary) > 0)

    scores: dict[Action, _Score] = {}
    for action in Action:
        prior, prior_reason = playbook_prior(action, category, secondary, tags, playbook)
        vote = votes.get(action, _Score())
        value = trust * vote.value + (1.0 - trust) * prior
        if value <= 0:
            continue
        score = _Score(value=value, supporters=vote.supporters)
        if vote.supporters:
            score.reasons.append(_describe_votes(outcomes[action], vote.supporters, pool))
        elif prior_reason:
            score.reasons.append("Belum ada kasus serupa yang memakai langkah ini.")
        if prior_reason:
            score.reasons.append(f"Sesuai {prior_reason}.")
        scores[action] = score

    for rule in TAG_RULES:
        if rule.tags <= tags:
            score = scores.setdefault(rule.action, _Score())
            score.value = max(score.value, rule.floor)
            score.reasons.append(f"Tag {' + '.join(sorted(rule.tags))}: {rule.reason}.")

    if priority is Priority.P1:
        _apply_urgency(scores, urgent_steps(tags, neighbours, category, secondary))

    if inferred:
        note = f"Kategori {category.value} disimpulkan dari kasus serupa."
        for score in scores.values():
            score.reasons.append(note)

    categories = {category, *secondary}
    ordered = sorted(
        ((a, s) for a, s in scores.items() if s.urgent or s.value >= MIN_SCORE),
        key=lambda item: (
            not item[1].urgent,
            item[1].urgent_rank,
            -item[1].value,
            item[0].value,
        ),
    )
    actions = [
        _recommended(action, score, category, categories, complaint, calendar, playbook)
        for action, score in ordered
    ]
    return Ranking(category, inferred, confidence, priority, actions[:top_n] if top_n else actions)


def _recommended(
    action: Action,
    score: _Score,
    category: Category,
    categories: set[Category],
    complaint: Complaint,
    calendar: WorkCalendar,
    playbook: Playbook,
) -> RecommendedAction:
    rule = _deadline_rule(action, categories, complaint.tags)
    deadline = playbook.deadline(rule, complaint.key_dates, calendar) if rule else None
    return RecommendedAction(
        action=action,
        label=ACTION_LABELS[action],
        score=round(min(1.0, score.value), 4),
        rationale=" ".join(dict.fromkeys(score.reasons)),
        evidence_to_collect=playbook.evidence_for(action, category),
        legal_basis=playbook.legal_basis_for(action, category),
        deadline=deadline,
        supporting_cases=score.supporters[:SUPPORTING_CASES_SHOWN],
    )
