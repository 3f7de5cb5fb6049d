"""`aduan stats` and `aduan report`: statistics for people, read from feedback's tables."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from services.feedback import clocks, sla, stats

console = Console()

HIDDEN = "[dim]<5, hidden[/]"


async def _connect(database_url: str) -> asyncpg.Connection:
    if not database_url:
        raise typer.BadParameter("set --database-url or DATABASE_URL", param_hint="--database-url")
    conn: asyncpg.Connection = await asyncpg.connect(
        database_url, server_settings={"search_path": '"feedback",public'}
    )
    return conn


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=name) from exc


# What `aduan stats` shows: one union's, one federation's, or everyone's statistics.
Collected = stats.UnionStatistics | stats.FederationStatistics | stats.StatisticsOverview


async def collect(
    database_url: str,
    period: stats.Period,
    *,
    union_id: str | None = None,
    federation: str | None = None,
) -> Collected:
    """One union's, one federation's, or (neither given) every union's and federation's stats."""
    conn = await _connect(database_url)
    try:
        try:
            federations = await stats.union_federations(conn)
        except asyncpg.UndefinedTableError as exc:
            raise LookupError("no feedback tables here: has the feedback service run?") from exc
        except asyncpg.UndefinedColumnError as exc:
            raise LookupError("feedback's tables predate federations: restart feedback") from exc
        as_of = datetime.now(UTC)
        policies = await clocks.policies_of(conn, list(federations))
        if union_id is not None:
            if union_id not in federations:
                raise LookupError(f"feedback knows no union {union_id!r}")
            rows = await stats.fetch_complaints(conn, [union_id], period)
            return stats.union_statistics(rows, union_id, period, as_of, policies)
        if federation is not None:
            members = [u for u, name in federations.items() if name == federation]
            if not members:
                raise LookupError(f"no union of feedback belongs to federation {federation!r}")
            rows = await stats.fetch_complaints(conn, members, period)
            return stats.federation_statistics(rows, federation, members, period, as_of, policies)
        rows = await stats.fetch_complaints(conn, list(federations), period)
        return stats.overview(rows, federations, period, as_of, policies)
    finally:
        await conn.close()


# -- rich rendering -------------------------------------------------------------------------------


def _hours(summary: stats.HoursSummary | stats.Suppressed | None) -> tuple[str, str]:
    """p50 and p90 hours; hidden when suppressed, or absent (no complaint of that priority)."""
    if not isinstance(summary, stats.HoursSummary):
        return HIDDEN, HIDDEN
    return f"{summary.p50:.1f}", f"{summary.p90:.1f}"


def _share(share: stats.Share | stats.Suppressed | stats.SuppressedPriority | None) -> str:
    """Compliance; hidden when suppressed, or absent (no complaint of that priority)."""
    return f"{share.compliance:.0%}" if isinstance(share, stats.Share) else HIDDEN


def _count(entry: stats.Count | stats.SuppressedCount) -> str:
    return str(entry.count) if isinstance(entry, stats.Count) else HIDDEN


def _rating(rating: stats.Satisfaction | stats.Suppressed | None) -> str:
    if not isinstance(rating, stats.Satisfaction):
        return HIDDEN
    return f"{rating.mean_score:.2f} ({rating.count})"


def _name(scope: stats.UnionScope | stats.FederationScope) -> str:
    if isinstance(scope, stats.UnionScope):
        return scope.union_id
    return f"{scope.federation} (federation)"


def _overview_row(summary: stats.Statistics) -> list[str]:
    name = _name(summary.scope)
    volumes, sla_stats = summary.volumes, summary.sla
    # A suppressed period has no figures at all: `aggregate` sets them all or none.
    if summary.suppressed or volumes is None or sla_stats is None:
        return [name, HIDDEN, *[""] * (len(OVERVIEW_COLUMNS) - 2)]
    breaches = sla_stats.breaches
    return [
        name,
        str(volumes.total),
        str(volumes.open),
        str(volumes.resolved),
        str(volumes.reopens),
        *_hours(summary.first_response_hours),
        _share(sla_stats.first_response.overall),
        _share(sla_stats.resolution.overall),
        f"{breaches.first_response} / {breaches.resolution}",
        _rating(summary.satisfaction),
    ]


OVERVIEW_COLUMNS = (
    "scope",
    "complaints",
    "open",
    "resolved",
    "reopened",
    "1st resp p50 h",
    "1st resp p90 h",
    "1st resp in SLA",
    "resolved in SLA",
    "breaches 1st/res",
    "satisfaction (n)",
)


# A federation's statistics carry no targets: its members may each set their own.
NO_TARGETS = sla.ClockTargets(first_response={}, resolution={})


def _target(targets: Mapping[str, sla.TargetDescription], priority: str) -> str:
    target = targets.get(priority)
    if target is None:
        return ""
    counted = "24/7" if target.counted == "around the clock" else "work h"
    return f"{target.hours:g} h {counted}"


def show(result: Collected) -> None:
    if isinstance(result, stats.StatisticsOverview):
        _show_overview(result)
    else:
        _show_one(result)


def _show_overview(overview: stats.StatisticsOverview) -> None:
    period = overview.period
    table = Table(title=f"Aduan statistics {period.start} .. {period.end} (UTC)")
    for i, column in enumerate(OVERVIEW_COLUMNS):
        table.add_column(column, justify="left" if i == 0 else "right")
    for summary in [*overview.federations, *overview.unions]:
        table.add_row(*_overview_row(summary))
    console.print(table)


def _show_one(summary: stats.UnionStatistics | stats.FederationStatistics) -> None:
    period = summary.period
    title = f"{_name(summary.scope)}: {period.start} .. {period.end} (UTC)"
    volumes, sla_stats = summary.volumes, summary.sla
    if summary.suppressed or volumes is None or sla_stats is None:
        console.print(f"[bold]{title}[/]: fewer than {stats.MIN_GROUP} complaints, suppressed")
        return
    table = Table(title=title)
    for column in OVERVIEW_COLUMNS[1:]:
        table.add_column(column, justify="right")
    table.add_row(*_overview_row(summary)[1:])
    console.print(table)

    if isinstance(summary, stats.FederationStatistics) and summary.excluded_unions:
        console.print(
            f"{summary.excluded_unions} member union(s) with fewer than {stats.MIN_GROUP}"
            " complaints left out of the federation's figures (secondary suppression)"
        )
    if volumes.by_union is not None:
        console.print(_unions_table(volumes.by_union))
    categories = Table("category", "complaints", title="by category")
    for entry in volumes.by_category:
        categories.add_row(entry.key, _count(entry))
    console.print(categories)
    console.print(_priorities_table(volumes, sla_stats, summary.first_response_hours))
    breaches = sla_stats.breaches
    console.print(
        f"SLA breaches: first response {breaches.first_response}, resolution"
        f" {breaches.resolution}; reopened: {volumes.reopened} complaint(s),"
        f" {volumes.reopens} time(s)"
    )
    p50, p90 = _hours(summary.resolution_hours)
    console.print(f"resolution hours p50 {p50}, p90 {p90}")
    console.print(_satisfaction(summary.satisfaction))


def _unions_table(by_union: Sequence[stats.UnionCount | stats.SuppressedCount]) -> Table:
    """A federation's members: volume, breaches and reopens (small members hidden)."""
    unions = Table(
        "union", "complaints", "1st resp breaches", "resolution breaches", "reopened",
        title="by union",
    )  # fmt: skip
    for entry in by_union:
        if not isinstance(entry, stats.UnionCount):
            unions.add_row(entry.key, HIDDEN, "", "", "")
            continue
        unions.add_row(
            entry.key,
            str(entry.count),
            str(entry.breaches.first_response),
            str(entry.breaches.resolution),
            str(entry.reopens),
        )
    return unions


def _priorities_table(
    volumes: stats.Volumes,
    sla_stats: stats.SlaStats,
    first_response: stats.FirstResponseHours | stats.SuppressedFirstResponseHours | None,
) -> Table:
    priorities = Table(
        "priority", "complaints", "1st resp p50 h", "1st resp p90 h", "1st resp target",
        "1st resp in SLA", "resolution target", "resolved in SLA", title="by priority",
    )  # fmt: skip
    first = first_response.by_priority if first_response is not None else {}
    policy = sla_stats.policy
    targets = policy.targets if policy is not None else NO_TARGETS
    for entry in volumes.by_priority:
        key = entry.key
        priorities.add_row(
            key,
            _count(entry),
            *_hours(first.get(key)),
            _target(targets.first_response, key),
            _share(sla_stats.first_response.of_priority(key)),
            _target(targets.resolution, key),
            _share(sla_stats.resolution.of_priority(key)),
        )
    return priorities


def _satisfaction(rating: stats.Satisfaction | stats.Suppressed | None) -> str:
    if not isinstance(rating, stats.Satisfaction):
        return f"satisfaction: {HIDDEN}"
    shares = rating.fixed
    fixed = (
        f"fixed {shares.fixed:.0%}, partly {shares.partly:.0%}, not_fixed {shares.not_fixed:.0%}"
    )
    reasons = ", ".join(f"{r.reason} ({r.count})" for r in rating.top_reasons)
    top = f"; top reasons: {reasons}" if reasons else ""
    return f"satisfaction: mean {rating.mean_score:.2f} of {rating.count} ratings; {fixed}{top}"


# -- commands -------------------------------------------------------------------------------------


def add_commands(app: typer.Typer) -> None:
    @app.command("stats")
    def stats_command(
        union: str | None = typer.Option(None, "--union", help="one union's statistics"),
        federation: str | None = typer.Option(None, "--federation", help="one federation's"),
        start: str | None = typer.Option(None, "--from", help="first day, YYYY-MM-DD (UTC)"),
        end: str | None = typer.Option(None, "--to", help="last day, included (default today)"),
        database_url: str = typer.Option("", envvar="DATABASE_URL", help="Postgres URL"),
        as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables"),
    ) -> None:
        """Volumes, response times, SLA compliance and satisfaction per union and federation.

        Groups of fewer than 5 complaints are shown as suppressed. The period defaults to the
        last 30 days.
        """
        if union and federation:
            raise typer.BadParameter("give --union or --federation, not both")
        try:
            period = stats.Period.default(_day(start, "--from"), _day(end, "--to"))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        try:
            result = asyncio.run(
                collect(database_url, period, union_id=union, federation=federation)
            )
        except LookupError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        if as_json:
            # The shape the API answers with, so scripts can read either.
            print(json.dumps(stats.as_json(result), ensure_ascii=False, indent=2))
        else:
            show(result)

    @app.command("report")
    def report_command(
        union: str = typer.Option(..., "--union", help="the union's id"),
        month: str = typer.Option(..., "--month", help="YYYY-MM"),
        out: Path = typer.Option(Path("report.html"), "--out", help="the HTML file to write"),
        database_url: str = typer.Option("", envvar="DATABASE_URL", help="Postgres URL"),
    ) -> None:
        """Write a union's monthly report: one HTML file with charts, small groups suppressed."""
        from services.feedback import report

        try:
            stats.Period.month(month)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--month") from exc

        async def build() -> str:
            conn = await _connect(database_url)
            try:
                return await report.build(conn, union, month)
            finally:
                await conn.close()

        try:
            page = asyncio.run(build())
        except LookupError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        out.write_text(page, encoding="utf-8")
        console.print(f"report for {union} {month} written to {out}")

    sla_app = typer.Typer(help="SLA calendars and targets per union.", no_args_is_help=True)
    app.add_typer(sla_app, name="sla")

    @sla_app.command("show")
    def sla_show(
        union: str = typer.Option(..., "--union", help="the union's id"),
        database_url: str = typer.Option("", envvar="DATABASE_URL", help="Postgres URL"),
    ) -> None:
        """Print the union's calendar and targets in force (JSON; defaults where unset)."""
        try:
            policy = asyncio.run(_policy(database_url, union))
        except LookupError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        print(json.dumps(policy.describe(), ensure_ascii=False, indent=2))

    @sla_app.command("set")
    def sla_set(
        union: str = typer.Option(..., "--union", help="the union's id"),
        officer: str = typer.Option(..., "--officer", help="who changes it (kept with it)"),
        timezone: str | None = typer.Option(None, help="IANA zone, e.g. Asia/Makassar"),
        workdays: str | None = typer.Option(None, help="mon-fri, mon-sat, mon,wed,fri"),
        hours: str | None = typer.Option(None, help="working hours, e.g. 07:00-16:00"),
        national_holidays: bool | None = typer.Option(
            None, "--national-holidays/--no-national-holidays", help="count Indonesian holidays"
        ),
        holiday: list[str] | None = typer.Option(
            None, "--holiday", help="an extra day off (cuti bersama), YYYY-MM-DD; repeat; replaces"
        ),
        around_the_clock: str | None = typer.Option(
            None, help="priorities whose clocks run 24/7, e.g. P1 or P1,P2 or none"
        ),
        target: list[str] | None = typer.Option(
            None, "--target", help="CLOCK.PRIORITY=TARGET, e.g. first_response.P2=2d; repeat"
        ),
        database_url: str = typer.Option("", envvar="DATABASE_URL", help="Postgres URL"),
    ) -> None:
        """Change a union's SLA calendar or targets; what is not given stays as it is."""
        targets: dict[str, dict[str, str]] = {}
        for item in target or []:
            key, _, value = item.partition("=")
            clock, _, priority = key.partition(".")
            if not value or not priority:
                raise typer.BadParameter(
                    f"{item!r}: use CLOCK.PRIORITY=TARGET", param_hint="--target"
                )
            targets.setdefault(clock, {})[priority] = value
        always = None
        if around_the_clock is not None:
            always = [
                p.strip() for p in around_the_clock.split(",") if p.strip() not in {"", "none"}
            ]
        try:
            days = None if holiday is None else [date.fromisoformat(d) for d in holiday]
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--holiday") from exc
        changes = {
            "timezone": timezone,
            "workdays": workdays,
            "hours": hours,
            "national_holidays": national_holidays,
            "extra_holidays": days,
            "around_the_clock": always,
            "targets": targets or None,
        }
        try:
            policy = asyncio.run(_change_policy(database_url, union, officer, changes))
        except (LookupError, ValueError) as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        print(json.dumps(policy.describe(), ensure_ascii=False, indent=2))


async def _policy(database_url: str, union_id: str) -> sla.SlaPolicy:
    conn = await _connect(database_url)
    try:
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM unions WHERE union_id = $1)", union_id
        ):
            raise LookupError(f"feedback knows no union {union_id!r}")
        return await clocks.policy_of(conn, union_id)
    finally:
        await conn.close()


async def _change_policy(
    database_url: str, union_id: str, officer: str, changes: dict[str, Any]
) -> sla.SlaPolicy:
    conn = await _connect(database_url)
    try:
        async with conn.transaction():
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM unions WHERE union_id = $1)", union_id
            ):
                raise LookupError(f"feedback knows no union {union_id!r}")
            policy = sla.changed(await clocks.policy_of(conn, union_id), **changes)
            await clocks.save_policy(conn, union_id, sla.policy_to_row(policy), officer)
        return policy
    finally:
        await conn.close()
