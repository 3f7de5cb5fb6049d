"""Statistics for people: volumes, response times, SLA compliance and satisfaction per period.

Aggregation here is pure: it takes complaint rows (feedback's `complaints` left-joined with
`ratings`, see `fetch_complaints`) and returns the models below (the API's response shapes). The
API, the CLI and the monthly report all read these models, so they show the same numbers, and
`as_json` writes them as the API does (for `aduan stats --json`).

Privacy: public aggregates never show a group of fewer than `MIN_GROUP` complaints, so no worker
can be singled out. A period with fewer complaints is reported as `{"suppressed": true}` only; a
breakdown (by category, priority, union, week) hides its small groups and, when the hidden groups
add up to fewer than `MIN_GROUP`, also the next smallest ones (complementary suppression), since
otherwise `total - shown` would give the hidden count away. Categories hidden that way are merged
into one unnamed entry, because even the existence of, say, one harassment complaint can point at
a person. Percentiles, SLA shares and ratings computed from fewer than `MIN_GROUP` values are
suppressed too. A federation leaves a small member's complaints out of its own figures when the
hidden members add up to fewer than `MIN_GROUP` (secondary suppression, see
`federation_statistics`).

SLA compliance is judged on each union's business-time calendar and targets (`sla.py`,
`clocks.verdict`), as of the time the statistics are made.

Periods are whole days in UTC, `from` and `to` both included; a complaint belongs to the period it
was submitted in, and its clocks (first response, resolution, rating) count whenever they stopped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TypeVar

import asyncpg
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from schemas.vocabulary import Priority
from services.feedback.clocks import verdict
from services.feedback.responses import IsoDateTime
from services.feedback.sla import CLOCKS, Clock, PolicyDescription, SlaPolicy
from services.runtime.businesstime import Pause
from services.runtime.metrics import MIN_GROUP_SIZE

MIN_GROUP = MIN_GROUP_SIZE
HOUR = timedelta(hours=1)
# Ten years: more than any report needs, and a bound on the weekly slices a request can make
# (from=0001-01-01&to=9999-12-31 asked for half a million of them).
MAX_PERIOD_DAYS = 3653

PRIORITIES = ("P1", "P2", "P3")
UNTRIAGED = "untriaged"
FIXED_VALUES = ("fixed", "partly", "not_fixed")
TOP_REASONS = 5

Row = Mapping[str, Any]
Policies = Mapping[str, SlaPolicy]
S = TypeVar("S", bound="Statistics")


def sla_status(row: Row, clock: Clock, policy: SlaPolicy, as_of: datetime) -> str:
    """One clock's verdict for a statistics row, on the union's business-time calendar."""
    return verdict(policy, row, clock, _pauses(row), as_of).status


def _pauses(row: Row) -> list[Pause]:
    return list(zip(row.get("pause_starts") or (), row.get("pause_ends") or (), strict=True))


@dataclass(frozen=True)
class Period:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        if self.end >= date.max:
            raise ValueError(f"the period must end before {date.max}")
        if (self.end - self.start).days >= MAX_PERIOD_DAYS:
            raise ValueError(f"a period spans at most {MAX_PERIOD_DAYS} days; ask year by year")

    @classmethod
    def month(cls, month: str) -> Period:
        """`YYYY-MM` -> that calendar month."""
        try:
            first = datetime.strptime(month, "%Y-%m").date()
        except ValueError as exc:
            raise ValueError(f"month must look like 2025-03, not {month!r}") from exc
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(first, following - timedelta(days=1))

    @classmethod
    def default(cls, start: date | None = None, end: date | None = None) -> Period:
        """Missing ends default to the 30 days up to today (UTC)."""
        end = end or datetime.now(UTC).date()
        if start is None:
            start = end - timedelta(days=29) if end.toordinal() > 29 else date.min
        return cls(start, end)

    def bounds(self) -> tuple[datetime, datetime]:
        """Half-open [start 00:00, day after end 00:00) in UTC, for SQL."""
        return (
            datetime.combine(self.start, time(), tzinfo=UTC),
            datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC),
        )

    def view(self) -> PeriodView:
        return PeriodView(start=self.start, end=self.end)


# -- the shapes the API answers with (the CLI and the report read them too) -----------------------


class PeriodView(BaseModel):
    model_config = ConfigDict(
        validate_by_name=True,
        serialize_by_alias=True,
        json_schema_serialization_defaults_required=True,
    )

    start: date = Field(alias="from", description="first day")
    end: date = Field(alias="to", description="last day, included")
    timezone: Literal["UTC"] = Field(default="UTC", description="the days are UTC days")


class UnionScope(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["union"] = "union"
    union_id: str


class FederationScope(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["federation"] = "federation"
    federation: str
    unions: list[str] = Field(description="the member unions, suppressed or not")


class Suppressed(BaseModel):
    """A figure hidden: computed from fewer than MIN_GROUP complaints, it could single out a
    worker."""

    suppressed: Literal[True]


SUPPRESSED = Suppressed(suppressed=True)


class HoursSummary(BaseModel):
    count: int = Field(description="complaints whose clock stopped")
    p50: float = Field(description="median hours from submission (wall-clock hours)")
    p90: float = Field(description="90th percentile of those hours")


class FirstResponseHours(HoursSummary):
    by_priority: dict[str, HoursSummary | Suppressed] = Field(
        description="per priority (P1, P2, P3) the complaints had"
    )


class SuppressedFirstResponseHours(Suppressed):
    by_priority: dict[str, HoursSummary | Suppressed] = Field(
        description="per priority (P1, P2, P3) the complaints had"
    )


class Count(BaseModel):
    key: str
    count: int


class SuppressedCount(BaseModel):
    """A group too small to show; `other` stands for hidden categories, merged unnamed."""

    key: str
    suppressed: Literal[True]


class UnionBreaches(BaseModel):
    first_response: int
    resolution: int


class UnionCount(Count):
    """A member union's volume and outcomes, in its federation's statistics."""

    breaches: UnionBreaches = Field(description="breaches published, per clock")
    reopens: int = Field(description="times its complaints were reopened")


class Volumes(BaseModel):
    total: int
    open: int
    resolved: int
    responded: int = Field(description="complaints that had a first response")
    reopened: int = Field(description="complaints reopened at least once")
    reopens: int = Field(description="reopenings, all rounds")
    by_category: list[Count | SuppressedCount] = Field(description="largest first")
    by_priority: list[Count | SuppressedCount] = Field(description="P1, P2, P3, untriaged")
    by_union: list[UnionCount | SuppressedCount] | SkipJsonSchema[None] = Field(
        default=None, description="a federation's members (federation statistics only)"
    )


class Share(BaseModel):
    met: int
    missed: int
    pending: int = Field(description="clocks still running (or paused): not in the share")
    compliance: float = Field(description="met / (met + missed)")


class PriorityShare(Share):
    priority: Priority


class SuppressedPriority(BaseModel):
    priority: Priority
    suppressed: Literal[True]


class ClockCompliance(BaseModel):
    overall: Share | Suppressed
    by_priority: list[PriorityShare | SuppressedPriority]

    def of_priority(self, priority: str) -> PriorityShare | SuppressedPriority | None:
        """The priority's share; None when the period had no triaged complaint of it."""
        return next((entry for entry in self.by_priority if entry.priority == priority), None)


class Breaches(BaseModel):
    """The `sla_breached` events published for these complaints (one per clock and round)."""

    first_response: int
    resolution: int
    total: int


class SlaStats(BaseModel):
    first_response: ClockCompliance
    resolution: ClockCompliance
    breaches: Breaches
    policy: PolicyDescription | SkipJsonSchema[None] = Field(
        default=None, description="the union's calendar and targets (union statistics only)"
    )


class ReasonCount(BaseModel):
    reason: str
    count: int


class FixedShares(BaseModel):
    """Share of the ratings that said the problem was fixed, partly fixed, not fixed."""

    fixed: float
    partly: float
    not_fixed: float


class Satisfaction(BaseModel):
    count: int = Field(description="complaints rated")
    mean_score: float = Field(description="1 (worst) to 5")
    scores: dict[str, float] = Field(description="share of the ratings per score, keys 1 to 5")
    fixed: FixedShares
    top_reasons: list[ReasonCount] = Field(
        description="the reasons at least MIN_GROUP workers gave, most given first (at most 5)"
    )


class Statistics(BaseModel):
    """A union's or a federation's statistics for a period.

    The figures (volumes to satisfaction) are absent when `suppressed`: the period had fewer
    than `min_group_size` complaints. Any figure or group computed from fewer is replaced by
    `{"suppressed": true}`.
    """

    scope: UnionScope | FederationScope = Field(discriminator="kind")
    period: PeriodView
    as_of: IsoDateTime = Field(description="when the running clocks were judged")
    min_group_size: int = Field(description="no group smaller than this is shown")
    suppressed: bool
    volumes: Volumes | SkipJsonSchema[None] = Field(
        default=None, description="complaints submitted in the period"
    )
    first_response_hours: (
        FirstResponseHours | SuppressedFirstResponseHours | SkipJsonSchema[None]
    ) = Field(default=None, description="hours from submission to the first response")
    resolution_hours: HoursSummary | Suppressed | SkipJsonSchema[None] = Field(
        default=None, description="hours from submission to the resolution"
    )
    sla: SlaStats | SkipJsonSchema[None] = Field(
        default=None, description="compliance with the SLA targets, judged as of `as_of`"
    )
    satisfaction: Satisfaction | Suppressed | SkipJsonSchema[None] = Field(
        default=None, description="the workers' ratings"
    )


class UnionStatistics(Statistics):
    scope: UnionScope


class FederationStatistics(Statistics):
    scope: FederationScope
    excluded_unions: int = Field(
        description="small members left out of the figures, so that no subtraction gives them away",
    )


class StatisticsOverview(BaseModel):
    """Every union's and every federation's statistics for one period, as `aduan stats` shows
    them (no route answers with it; `aduan stats --json` prints it)."""

    period: PeriodView
    unions: list[UnionStatistics]
    federations: list[FederationStatistics]


def as_json(model: BaseModel) -> dict[str, Any]:
    """A shape as the API writes it (the routes' `response_model_exclude_none`), for `--json`."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- building blocks ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th quantile (0..1) with linear interpolation between order statistics."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours_summary(hours: Sequence[float]) -> HoursSummary | Suppressed:
    """Count, p50 and p90 in hours, or suppressed from fewer than MIN_GROUP values."""
    if len(hours) < MIN_GROUP:
        return SUPPRESSED
    return HoursSummary(
        count=len(hours),
        p50=round(percentile(hours, 0.5), 2),
        p90=round(percentile(hours, 0.9), 2),
    )


def hidden_keys(counts: Mapping[str, int]) -> set[str]:
    """Keys whose counts a breakdown must hide: the small groups, plus complementary ones.

    Groups of 1..MIN_GROUP-1 are hidden; while the hidden ones add up to less than MIN_GROUP the
    smallest shown group is hidden as well, so the total minus the shown groups reveals nothing
    smaller than MIN_GROUP. Empty groups (0) single nobody out and stay visible.
    """
    hidden = {key for key, n in counts.items() if 0 < n < MIN_GROUP}
    while hidden and sum(counts[key] for key in hidden) < MIN_GROUP:
        visible = sorted((n, key) for key, n in counts.items() if key not in hidden and n > 0)
        if not visible:
            break
        hidden.add(visible[0][1])
    return hidden


def breakdown(
    counts: Mapping[str, int], *, name_hidden: bool = True, order: Sequence[str] | None = None
) -> list[Count | SuppressedCount]:
    """`[{key, count}]` with small groups as `{key, suppressed: true}`.

    Ordered by `order` when given, else largest first. With `name_hidden=False` the hidden groups
    are merged into one `{key: "other", suppressed: true}` entry, so their names do not show.
    """
    hidden = hidden_keys(counts)
    keys = list(order) if order else sorted(counts, key=lambda k: (-counts[k], k))
    keys = [k for k in keys if k in counts]
    entries: list[Count | SuppressedCount] = []
    for key in keys:
        if key not in hidden:
            entries.append(Count(key=key, count=counts[key]))
        elif name_hidden:
            entries.append(SuppressedCount(key=key, suppressed=True))
    if hidden and not name_hidden:
        entries.append(SuppressedCount(key="other", suppressed=True))
    return entries


def _hours(start: datetime, end: datetime | None) -> float | None:
    if end is None:
        return None
    return max(0.0, (end - start) / HOUR)


def clock_hours(rows: Iterable[Row], column: str, priority: str | None = None) -> list[float]:
    """Hours from submission to `column` (first_response_at, resolved_at) where it stopped."""
    return [
        h
        for row in rows
        if (priority is None or row["priority"] == priority)
        and (h := _hours(row["submitted_at"], row[column])) is not None
    ]


def _priority(row: Row) -> str:
    return row["priority"] or UNTRIAGED


def _resolved(row: Row) -> bool:
    return row["resolved_at"] is not None or row.get("outcome") is not None


# -- the statistics -------------------------------------------------------------------------------


def sla(
    rows: Sequence[Row],
    as_of: datetime,
    hidden_priorities: set[str],
    policies: Policies,
) -> SlaStats:
    """Per clock, the share of complaints that met their target, overall and per priority, and
    the breaches published.

    Verdicts use each union's business-time calendar and targets (`sla.evaluate`). Running
    clocks (pending, or paused while the union waits on the worker) are counted but are not in
    the share. Breaches are the `sla_breached` events feedback published for these complaints
    (one per complaint, clock and round), the figure Prometheus counts too.
    """
    statuses: dict[Clock, dict[str, Counter[str]]] = {
        clock: {p: Counter() for p in PRIORITIES} for clock in CLOCKS
    }
    breaches: Counter[str] = Counter()
    for row in rows:
        breaches.update(row.get("breaches") or ())
        if row["priority"] not in PRIORITIES:
            continue
        policy = policies.get(row["union_id"]) or SlaPolicy()
        for clock in CLOCKS:
            status = sla_status(row, clock, policy, as_of)
            status = {"breached": "missed", "paused": "pending"}.get(status, status)
            statuses[clock][row["priority"]][status] += 1

    def share(counter: Counter[str]) -> Share | None:
        decided = counter["met"] + counter["missed"]
        if decided < MIN_GROUP:
            return None
        return Share(
            met=counter["met"],
            missed=counter["missed"],
            pending=counter["pending"],
            compliance=round(counter["met"] / decided, 3),
        )

    def per_clock(clock: Clock) -> ClockCompliance:
        by_priority: list[PriorityShare | SuppressedPriority] = []
        for priority in PRIORITIES:
            if not statuses[clock][priority]:
                continue
            shown = None if priority in hidden_priorities else share(statuses[clock][priority])
            if shown is None:
                by_priority.append(SuppressedPriority(priority=Priority(priority), suppressed=True))
            else:
                by_priority.append(PriorityShare(priority=Priority(priority), **dict(shown)))
        return ClockCompliance(
            overall=share(sum(statuses[clock].values(), Counter())) or SUPPRESSED,
            by_priority=by_priority,
        )

    return SlaStats(
        first_response=per_clock("first_response"),
        resolution=per_clock("resolution"),
        breaches=Breaches(
            first_response=breaches["first_response"],
            resolution=breaches["resolution"],
            total=sum(breaches.values()),
        ),
    )


def satisfaction(rows: Sequence[Row]) -> Satisfaction | Suppressed:
    """Mean score, fixed shares and the reasons at least MIN_GROUP workers gave."""
    rated = [row for row in rows if row.get("score") is not None]
    if len(rated) < MIN_GROUP:
        return SUPPRESSED
    n = len(rated)
    fixed = Counter(row["fixed"] for row in rated)
    scores = Counter(int(row["score"]) for row in rated)
    reasons: Counter[str] = Counter()
    for row in rated:
        reasons.update({" ".join(r.split()).lower() for r in row.get("reasons") or [] if r.strip()})
    return Satisfaction(
        count=n,
        mean_score=round(sum(int(row["score"]) for row in rated) / n, 2),
        scores={str(s): round(scores[s] / n, 3) for s in range(1, 6)},
        fixed=FixedShares(
            fixed=round(fixed["fixed"] / n, 3),
            partly=round(fixed["partly"] / n, 3),
            not_fixed=round(fixed["not_fixed"] / n, 3),
        ),
        top_reasons=[
            ReasonCount(reason=reason, count=count)
            for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            if count >= MIN_GROUP
        ][:TOP_REASONS],
    )


def aggregate(
    statistics: S,
    rows: Sequence[Row],
    *,
    policies: Policies | None = None,
) -> S:
    """`statistics` (its scope, period and as_of set) with the figures of `rows`, the complaints
    of its scope submitted in its period; suppressed when they are fewer than MIN_GROUP.

    `policies` holds each union's SLA settings; unions missing from it get the defaults.
    """
    if len(rows) < MIN_GROUP:
        statistics.suppressed = True
        return statistics
    by_priority = Counter(_priority(row) for row in rows)
    hidden_priorities = hidden_keys(by_priority)
    resolved = sum(1 for row in rows if _resolved(row))
    first_response = clock_hours(rows, "first_response_at")
    first_response_by_priority: dict[str, HoursSummary | Suppressed] = {
        priority: SUPPRESSED
        if priority in hidden_priorities
        else hours_summary(clock_hours(rows, "first_response_at", priority))
        for priority in PRIORITIES
        if priority in by_priority
    }
    first_response_overall = hours_summary(first_response)
    statistics.suppressed = False
    statistics.volumes = Volumes(
        total=len(rows),
        open=len(rows) - resolved,
        resolved=resolved,
        responded=len(first_response),
        reopened=sum(1 for row in rows if row.get("reopen_count")),
        reopens=sum(row.get("reopen_count") or 0 for row in rows),
        by_category=breakdown(
            Counter(row["category"] or UNTRIAGED for row in rows), name_hidden=False
        ),
        by_priority=breakdown(by_priority, order=[*PRIORITIES, UNTRIAGED]),
    )
    statistics.first_response_hours = (
        SuppressedFirstResponseHours(suppressed=True, by_priority=first_response_by_priority)
        if isinstance(first_response_overall, Suppressed)
        else FirstResponseHours(
            **dict(first_response_overall), by_priority=first_response_by_priority
        )
    )
    statistics.resolution_hours = hours_summary(clock_hours(rows, "resolved_at"))
    statistics.sla = sla(rows, statistics.as_of, hidden_priorities, policies or {})
    statistics.satisfaction = satisfaction(rows)
    return statistics


def union_statistics(
    rows: Sequence[Row],
    union_id: str,
    period: Period,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> UnionStatistics:
    """One union's statistics, with its SLA calendar and targets."""
    policy = (policies or {}).get(union_id) or SlaPolicy()
    result = aggregate(
        UnionStatistics(
            scope=UnionScope(union_id=union_id),
            period=period.view(),
            as_of=as_of or datetime.now(UTC),
            min_group_size=MIN_GROUP,
            suppressed=True,
        ),
        [row for row in rows if row["union_id"] == union_id],
        policies={union_id: policy},
    )
    if result.sla is not None:
        result.sla.policy = policy.description()
    return result


def federation_statistics(
    rows: Sequence[Row],
    federation: str,
    members: Iterable[str],
    period: Period,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> FederationStatistics:
    """A federation's statistics, with each member union's volume, breaches and reopens.

    Secondary suppression: a member with fewer than MIN_GROUP complaints is hidden, and if the
    hidden members together have fewer than MIN_GROUP, their complaints are left out of the
    federation's figures too (`excluded_unions` says how many unions that was). Otherwise the
    federation total minus the shown unions' totals (in `aduan stats`, or a union's own view)
    would give a hidden union's figures away: its count, resolutions, ratings, breaches. Small
    members that add up to MIN_GROUP or more stay in, pooled: subtraction then reveals only
    their pooled figures.
    """
    members = sorted(members)
    mine = [row for row in rows if row["union_id"] in members]
    per_union = Counter({union_id: 0 for union_id in members})
    per_union.update(row["union_id"] for row in mine)
    small = {u for u, n in per_union.items() if 0 < n < MIN_GROUP}
    excluded = small if sum(per_union[u] for u in small) < MIN_GROUP else set()
    stats = aggregate(
        FederationStatistics(
            scope=FederationScope(federation=federation, unions=members),
            period=period.view(),
            as_of=as_of or datetime.now(UTC),
            min_group_size=MIN_GROUP,
            suppressed=True,
            excluded_unions=len(excluded),
        ),
        [row for row in mine if row["union_id"] not in excluded],
        policies=policies,
    )
    if stats.volumes is not None:
        stats.volumes.by_union = [
            SuppressedCount(key=u, suppressed=True)
            if u in small
            else _union_count(mine, u, per_union[u])
            for u in members
        ]
    return stats


def _union_count(rows: Sequence[Row], union_id: str, count: int) -> UnionCount:
    """A shown member's count, breaches per clock and reopens, for the federation's table."""
    breaches: Counter[str] = Counter()
    reopens = 0
    for row in rows:
        if row["union_id"] == union_id:
            breaches.update(row.get("breaches") or ())
            reopens += row.get("reopen_count") or 0
    return UnionCount(
        key=union_id,
        count=count,
        breaches=UnionBreaches(
            first_response=breaches["first_response"], resolution=breaches["resolution"]
        ),
        reopens=reopens,
    )


def overview(
    rows: Sequence[Row],
    federations: Mapping[str, str | None],
    period: Period,
    as_of: datetime,
    policies: Policies | None = None,
) -> StatisticsOverview:
    """Every union's and every federation's statistics, as `aduan stats` prints them.

    A union its federation had to hide (see `federation_statistics`) is hidden here as well.
    """
    members: dict[str, list[str]] = {}
    for member, name in federations.items():
        if name is not None:
            members.setdefault(name, []).append(member)
    return StatisticsOverview(
        period=period.view(),
        unions=[union_statistics(rows, u, period, as_of, policies) for u in federations],
        federations=[
            federation_statistics(rows, name, ids, period, as_of, policies)
            for name, ids in sorted(members.items())
        ],
    )


# -- for the monthly report's charts --------------------------------------------------------------


def weekly_counts(rows: Sequence[Row], period: Period) -> list[dict[str, Any]]:
    """Complaints per 7-day slice of the period (days 1-7, 8-14, ...), small slices hidden."""
    slices: list[tuple[str, date, date]] = []
    day = period.start
    while day <= period.end:
        last = min(day + timedelta(days=6), period.end)
        slices.append((f"{day.day}-{last.day}", day, last))
        day = last + timedelta(days=1)
    counts = {label: 0 for label, _, _ in slices}
    for row in rows:
        submitted = row["submitted_at"].astimezone(UTC).date()
        for label, first, last in slices:
            if first <= submitted <= last:
                counts[label] += 1
    hidden = hidden_keys(counts)
    return [
        {"key": label, "from": first.isoformat(), "to": last.isoformat()}
        | ({"suppressed": True} if label in hidden else {"count": counts[label]})
        for label, first, last in slices
    ]


# Bucket bounds in hours; the targets (24, 72, 168) fall on bounds, as in metrics.py.
RESPONSE_BUCKETS_HOURS = (1.0, 4.0, 24.0, 72.0, 168.0, 336.0, 720.0)


def first_response_distribution(
    rows: Sequence[Row], hidden_priorities: Iterable[str] = ()
) -> dict[str, list[float]]:
    """Per priority, the share of answered complaints in each hours bucket (the last is open).

    Priorities with fewer than MIN_GROUP answers, or hidden in the volumes, are left out.
    """
    hidden = set(hidden_priorities)
    shares: dict[str, list[float]] = {}
    for priority in PRIORITIES:
        if priority in hidden:
            continue
        hours = clock_hours(rows, "first_response_at", priority)
        if len(hours) < MIN_GROUP:
            continue
        counts = [0] * (len(RESPONSE_BUCKETS_HOURS) + 1)
        for h in hours:
            counts[next((i for i, b in enumerate(RESPONSE_BUCKETS_HOURS) if h <= b), -1)] += 1
        shares[priority] = [c / len(hours) for c in counts]
    return shares


# -- reading feedback's tables --------------------------------------------------------------------

COMPLAINTS_SQL = """
SELECT c.union_id, c.submitted_at, c.category, c.priority, c.first_response_at,
       c.resolved_at, c.outcome, c.reopened_at, c.reopen_count, r.score, r.fixed, r.reasons,
       ARRAY(SELECT p.started_at FROM clock_pauses p
              WHERE p.complaint_id = c.complaint_id ORDER BY p.pause_id) AS pause_starts,
       ARRAY(SELECT p.ended_at FROM clock_pauses p
              WHERE p.complaint_id = c.complaint_id ORDER BY p.pause_id) AS pause_ends,
       ARRAY(SELECT b.clock FROM sla_breaches b
              WHERE b.complaint_id = c.complaint_id ORDER BY b.clock, b.round) AS breaches
  FROM complaints c LEFT JOIN ratings r USING (complaint_id)
 WHERE c.union_id = ANY($1::text[]) AND c.submitted_at >= $2 AND c.submitted_at < $3
"""


async def fetch_complaints(
    conn: asyncpg.Connection | asyncpg.Pool, union_ids: Sequence[str], period: Period
) -> list[dict[str, Any]]:
    """The rows `aggregate` needs (`feedback` must be first on the search_path)."""
    start, end = period.bounds()
    return [dict(r) for r in await conn.fetch(COMPLAINTS_SQL, list(union_ids), start, end)]


async def union_federations(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, str | None]:
    rows = await conn.fetch("SELECT union_id, federation FROM unions ORDER BY union_id")
    return {r["union_id"]: r["federation"] for r in rows}
