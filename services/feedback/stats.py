"""Statistics for people: volumes, response times, SLA compliance and satisfaction per period.

Aggregation here is pure: it takes complaint rows (feedback's `complaints` left-joined with
`ratings`, see `fetch_complaints`) and returns plain JSON-ready dicts, so the API, the CLI and the
monthly report show the same numbers.

Privacy: public aggregates never show a group of fewer than `MIN_GROUP` complaints, so no worker
can be singled out. A period with fewer complaints is reported as `{"suppressed": true}` only; a
breakdown (by category, priority, union, week) hides its small groups and, when the hidden groups
add up to fewer than `MIN_GROUP`, also the next smallest ones (complementary suppression), since
otherwise `total - shown` would give the hidden count away. Categories hidden that way are merged
into one unnamed entry, because even the existence of, say, one harassment complaint can point at
a person. Percentiles, SLA shares and ratings computed from fewer than `MIN_GROUP` values are
suppressed too. A federation leaves a small member's complaints out of its own figures when the
hidden members add up to fewer than `MIN_GROUP` (secondary suppression, see `federation_stats`).

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
from typing import Any

import asyncpg

from services.feedback.clocks import verdict
from services.feedback.sla import CLOCKS, Clock, Pause, SlaPolicy
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

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "timezone": "UTC"}


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


def hours_summary(hours: Sequence[float]) -> dict[str, Any]:
    """`{count, p50, p90}` in hours, or `{suppressed: true}` from fewer than MIN_GROUP values."""
    if len(hours) < MIN_GROUP:
        return {"suppressed": True}
    return {
        "count": len(hours),
        "p50": round(percentile(hours, 0.5), 2),
        "p90": round(percentile(hours, 0.9), 2),
    }


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
) -> list[dict[str, Any]]:
    """`[{key, count}]` with small groups as `{key, suppressed: true}`.

    Ordered by `order` when given, else largest first. With `name_hidden=False` the hidden groups
    are merged into one `{key: "other", suppressed: true}` entry, so their names do not show.
    """
    hidden = hidden_keys(counts)
    keys = list(order) if order else sorted(counts, key=lambda k: (-counts[k], k))
    keys = [k for k in keys if k in counts]
    entries: list[dict[str, Any]] = []
    for key in keys:
        if key not in hidden:
            entries.append({"key": key, "count": counts[key]})
        elif name_hidden:
            entries.append({"key": key, "suppressed": True})
    if hidden and not name_hidden:
        entries.append({"key": "other", "suppressed": True})
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
) -> dict[str, Any]:
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

    def share(counter: Counter[str]) -> dict[str, Any]:
        decided = counter["met"] + counter["missed"]
        if decided < MIN_GROUP:
            return {"suppressed": True}
        return {
            "met": counter["met"],
            "missed": counter["missed"],
            "pending": counter["pending"],
            "compliance": round(counter["met"] / decided, 3),
        }

    def per_clock(clock: Clock) -> dict[str, Any]:
        by_priority = []
        for priority in PRIORITIES:
            if not statuses[clock][priority]:
                continue
            if priority in hidden_priorities:
                by_priority.append({"priority": priority, "suppressed": True})
            else:
                by_priority.append({"priority": priority, **share(statuses[clock][priority])})
        return {
            "overall": share(sum(statuses[clock].values(), Counter())),
            "by_priority": by_priority,
        }

    return {
        **{clock: per_clock(clock) for clock in CLOCKS},
        "breaches": {
            "first_response": breaches["first_response"],
            "resolution": breaches["resolution"],
            "total": sum(breaches.values()),
        },
    }


def satisfaction(rows: Sequence[Row]) -> dict[str, Any]:
    """Mean score, fixed shares and the reasons at least MIN_GROUP workers gave."""
    rated = [row for row in rows if row.get("score") is not None]
    if len(rated) < MIN_GROUP:
        return {"suppressed": True}
    n = len(rated)
    fixed = Counter(row["fixed"] for row in rated)
    scores = Counter(int(row["score"]) for row in rated)
    reasons: Counter[str] = Counter()
    for row in rated:
        reasons.update({" ".join(r.split()).lower() for r in row.get("reasons") or [] if r.strip()})
    return {
        "count": n,
        "mean_score": round(sum(int(row["score"]) for row in rated) / n, 2),
        "scores": {str(s): round(scores[s] / n, 3) for s in range(1, 6)},
        "fixed": {value: round(fixed[value] / n, 3) for value in FIXED_VALUES},
        "top_reasons": [
            {"reason": reason, "count": count}
            for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            if count >= MIN_GROUP
        ][:TOP_REASONS],
    }


def aggregate(
    rows: Sequence[Row],
    *,
    scope: Mapping[str, Any],
    period: Period,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> dict[str, Any]:
    """All statistics of one union's or one federation's complaints submitted in `period`.

    `policies` holds each union's SLA settings; unions missing from it get the defaults.
    """
    as_of = as_of or datetime.now(UTC)
    head: dict[str, Any] = {
        "scope": dict(scope),
        "period": period.as_dict(),
        "as_of": as_of.isoformat(),
        "min_group_size": MIN_GROUP,
    }
    if len(rows) < MIN_GROUP:
        return {**head, "suppressed": True}
    by_priority = Counter(_priority(row) for row in rows)
    hidden_priorities = hidden_keys(by_priority)
    resolved = sum(1 for row in rows if _resolved(row))
    first_response = clock_hours(rows, "first_response_at")
    first_response_by_priority = {
        priority: {"suppressed": True}
        if priority in hidden_priorities
        else hours_summary(clock_hours(rows, "first_response_at", priority))
        for priority in PRIORITIES
        if priority in by_priority
    }
    resolution = clock_hours(rows, "resolved_at")
    return {
        **head,
        "suppressed": False,
        "volumes": {
            "total": len(rows),
            "open": len(rows) - resolved,
            "resolved": resolved,
            "responded": len(first_response),
            "reopened": sum(1 for row in rows if row.get("reopen_count")),
            "reopens": sum(row.get("reopen_count") or 0 for row in rows),
            "by_category": breakdown(
                Counter(row["category"] or UNTRIAGED for row in rows), name_hidden=False
            ),
            "by_priority": breakdown(by_priority, order=[*PRIORITIES, UNTRIAGED]),
        },
        "first_response_hours": {
            **hours_summary(first_response),
            "by_priority": first_response_by_priority,
        },
        "resolution_hours": hours_summary(resolution),
        "sla": sla(rows, as_of, hidden_priorities, policies or {}),
        "satisfaction": satisfaction(rows),
    }


def union_stats(
    rows: Sequence[Row],
    union_id: str,
    period: Period,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> dict[str, Any]:
    policy = (policies or {}).get(union_id) or SlaPolicy()
    result = aggregate(
        [row for row in rows if row["union_id"] == union_id],
        scope={"kind": "union", "union_id": union_id},
        period=period,
        as_of=as_of,
        policies={union_id: policy},
    )
    if not result["suppressed"]:
        result["sla"]["policy"] = policy.describe()
    return result


def federation_stats(
    rows: Sequence[Row],
    federation: str,
    members: Iterable[str],
    period: Period,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> dict[str, Any]:
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
        [row for row in mine if row["union_id"] not in excluded],
        scope={"kind": "federation", "federation": federation, "unions": members},
        period=period,
        as_of=as_of,
        policies=policies,
    )
    stats["excluded_unions"] = len(excluded)
    if not stats["suppressed"]:
        stats["volumes"]["by_union"] = [
            {"key": u, "suppressed": True}
            if u in small
            else {"key": u, "count": per_union[u], **_union_outcomes(mine, u)}
            for u in members
        ]
    return stats


def _union_outcomes(rows: Sequence[Row], union_id: str) -> dict[str, Any]:
    """A shown member's breaches per clock and reopens, for the federation's table."""
    breaches: Counter[str] = Counter()
    reopens = 0
    for row in rows:
        if row["union_id"] == union_id:
            breaches.update(row.get("breaches") or ())
            reopens += row.get("reopen_count") or 0
    return {
        "breaches": {clock: breaches[clock] for clock in CLOCKS},
        "reopens": reopens,
    }


def overview(
    rows: Sequence[Row],
    federations: Mapping[str, str | None],
    period: Period,
    as_of: datetime,
    policies: Policies | None = None,
) -> dict[str, Any]:
    """Every union's and every federation's statistics, as `aduan stats` prints them.

    A union its federation had to hide (see `federation_stats`) is hidden here as well.
    """
    members: dict[str, list[str]] = {}
    for member, name in federations.items():
        if name is not None:
            members.setdefault(name, []).append(member)
    feds = [
        federation_stats(rows, name, ids, period, as_of, policies)
        for name, ids in sorted(members.items())
    ]
    return {
        "period": period.as_dict(),
        "unions": [union_stats(rows, u, period, as_of, policies) for u in federations],
        "federations": feds,
    }


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
