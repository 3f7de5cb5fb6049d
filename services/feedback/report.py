"""The monthly report of one union: one self-contained HTML file with inline PNG charts.

Labels are in Indonesian with English in small print. The numbers are those of `stats`, with the
same suppression: a group of fewer than 5 complaints is never shown, and a chart built from fewer
than 5 values is left out with a note saying why.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from datetime import datetime
from string import Template
from typing import Any

import asyncpg

from services.feedback import clocks, stats
from services.feedback.sla import PolicyDescription
from services.feedback.stats import MIN_GROUP, Period, Policies, Row

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
BUCKET_LABELS = ("≤1 j", "1-4 j", "4-24 j", "1-3 h", "3-7 h", "7-14 h", "14-30 h", ">30 h")
CATEGORY_OTHER = "lainnya (disembunyikan)"
HIDDEN = "disembunyikan"


def number(value: float, decimals: int = 1) -> str:
    """Indonesian style: decimal comma, dot for thousands (1.234,5)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def percent(share: float) -> str:
    return f"{number(share * 100, 0)}%"


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _img(png: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">'


def _hidden_note(what: str) -> str:
    return (
        f'<p class="note">{html.escape(what)}: kurang dari {MIN_GROUP} data, disembunyikan'
        f" <small>(fewer than {MIN_GROUP} values, suppressed)</small></p>"
    )


def weekly_chart(weeks: Sequence[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    labels = [w["key"] for w in weeks]
    heights = [w.get("count", 0) for w in weeks]
    ax.bar(labels, heights, color="#2f6f9f")
    for i, week in enumerate(weeks):
        if week.get("suppressed"):
            ax.text(i, 0, "disembunyikan\n(suppressed)", ha="center", va="bottom", fontsize=7)
        else:
            ax.text(i, week["count"], str(week["count"]), ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("tanggal (day of month)")
    ax.set_ylabel("aduan (complaints)")
    ax.set_title("Aduan per minggu (complaints per week)")
    ax.set_ylim(0, max([MIN_GROUP, *heights]) * 1.2)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    try:
        return _png(fig)
    finally:
        plt.close(fig)


def response_chart(shares: dict[str, list[float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    width = 0.8 / max(1, len(shares))
    colours = {"P1": "#c0392b", "P2": "#e67e22", "P3": "#2f6f9f"}
    for i, (priority, values) in enumerate(shares.items()):
        xs = [x - 0.4 + width * (i + 0.5) for x in range(len(values))]
        ax.bar(xs, [v * 100 for v in values], width, label=priority, color=colours[priority])
    # Targets sit on bucket bounds: 24 h between buckets 2 and 3, 72 h 3|4, 168 h 4|5.
    for priority, bound in (("P1", 2.5), ("P2", 3.5), ("P3", 4.5)):
        ax.axvline(bound, color=colours[priority], linestyle="--", linewidth=1)
        ax.text(bound, 1.0, f" target {priority}", transform=ax.get_xaxis_transform(),
                va="top", fontsize=7, color=colours[priority])  # fmt: skip
    ax.set_xticks(range(len(BUCKET_LABELS)), BUCKET_LABELS, fontsize=8)
    ax.set_xlabel("waktu tanggapan pertama; j = jam, h = hari (first response; hours, days)")
    ax.set_ylabel("% aduan ditanggapi")
    ax.set_title("Waktu tanggapan pertama (time to first response)")
    ax.legend(fontsize=8, loc="center right")
    try:
        return _png(fig)
    finally:
        plt.close(fig)


def satisfaction_chart(satisfaction: stats.Satisfaction) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 2.8))
    scores = satisfaction.scores
    left.bar(list(scores), [v * 100 for v in scores.values()], color="#27ae60")
    left.set_title("Nilai 1-5 (score)", fontsize=9)
    left.set_ylabel("% penilaian (ratings)")
    shares = satisfaction.fixed
    fixed = {
        "beres\n(fixed)": shares.fixed,
        "sebagian\n(partly)": shares.partly,
        "belum\n(not)": shares.not_fixed,
    }
    right.bar(list(fixed), [v * 100 for v in fixed.values()], color="#8e44ad")
    right.set_title("Masalah beres? (fixed?)", fontsize=9)
    for ax in (left, right):
        ax.tick_params(labelsize=8)
    try:
        return _png(fig)
    finally:
        plt.close(fig)


PAGE = Template("""<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<title>Laporan bulanan $union_name $month</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222;
       padding: 0 1rem; }
small, .note { color: #666; }
.headline { display: flex; flex-wrap: wrap; gap: 1rem; }
.figure { border: 1px solid #ddd; border-radius: .4rem; padding: .6rem 1rem; min-width: 9rem; }
.figure b { display: block; font-size: 1.8rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { border-bottom: 1px solid #ddd; padding: .2rem .8rem; text-align: left; }
td.n { text-align: right; }
img { max-width: 100%; }
</style></head><body>
<h1>Laporan bulanan $union_name <small>monthly report</small></h1>
<p>$month_label <small>($period_from &ndash; $period_to, UTC; dibuat / generated $as_of)</small></p>
$body
<p class="note">Kelompok dengan kurang dari $min_group aduan tidak ditampilkan, agar tidak ada
pekerja yang bisa dikenali. <small>Groups of fewer than $min_group complaints are suppressed so no
worker can be singled out.</small></p>
</body></html>
""")


def _figure(value: str, label_id: str, label_en: str) -> str:
    return (
        f'<div class="figure"><b>{html.escape(value)}</b>{html.escape(label_id)}'
        f"<br><small>{html.escape(label_en)}</small></div>"
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if i else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{cells}</tr>{body}</table>"


def _count(entry: stats.Count | stats.SuppressedCount) -> str:
    if isinstance(entry, stats.Count):
        return str(entry.count)
    return f"{HIDDEN} <small>(suppressed)</small>"


def _compliance(
    share: stats.Share | stats.Suppressed | stats.SuppressedPriority | None, hidden: str
) -> str:
    """The share that met its target; `hidden` when suppressed, or absent (no such priority)."""
    return percent(share.compliance) if isinstance(share, stats.Share) else hidden


def _shown_hours(
    summary: stats.HoursSummary | stats.Suppressed | None,
) -> stats.HoursSummary | None:
    """The hours summary; None when suppressed, or absent (no complaint of that priority)."""
    return summary if isinstance(summary, stats.HoursSummary) else None


def _policy_note(policy: PolicyDescription) -> str:
    """Which clock the SLA figures use: targets, working days and hours, holidays."""
    days = {"mon": "Sen", "tue": "Sel", "wed": "Rab", "thu": "Kam", "fri": "Jum", "sat": "Sab",
            "sun": "Min"}  # fmt: skip
    by_clock = (("first response", policy.targets.first_response),
                ("resolution", policy.targets.resolution))  # fmt: skip
    targets = "; ".join(
        f"{clock} {p} {t.target}" + (" (24/7)" if t.counted == "around the clock" else "")
        for clock, by_priority in by_clock
        for p, t in by_priority.items()
    )
    extra = len(policy.extra_holidays)
    cuti = f" dan {extra} hari cuti bersama" if extra else ""
    return (
        f'<p class="note">Target SLA dihitung dalam jam kerja serikat: '
        f"{html.escape(', '.join(days[d] for d in policy.workdays))} "
        f"{html.escape(policy.hours)} ({html.escape(policy.timezone)}), tanpa hari libur"
        f" nasional{cuti};"
        f" waktu menunggu jawaban pekerja tidak dihitung. <small>Targets ({html.escape(targets)};"
        f" d = working day) count the union's working hours, not holidays, and not the time"
        f" spent waiting on the worker.</small></p>"
    )


def _headline(summary: stats.UnionStatistics, volumes: stats.Volumes, sla: stats.SlaStats) -> str:
    first = _shown_hours(summary.first_response_hours)
    breaches = sla.breaches
    rating = summary.satisfaction
    figures = [
        _figure(str(volumes.total), "aduan masuk", "complaints received"),
        _figure(str(volumes.resolved), "selesai", "resolved"),
        _figure(str(volumes.open), "masih terbuka", "still open"),
        _figure(str(volumes.reopens), "dibuka kembali", "reopened (not fixed)"),
        _figure(
            HIDDEN if first is None else f"{number(first.p50)} jam",
            "median tanggapan pertama",
            "median time to first response",
        ),
        _figure(
            HIDDEN if first is None else f"{number(first.p90)} jam",
            "p90 tanggapan pertama",
            "p90 time to first response",
        ),
        _figure(
            _compliance(sla.first_response.overall, HIDDEN),
            "ditanggapi tepat waktu",
            "first response within target",
        ),
        _figure(
            _compliance(sla.resolution.overall, HIDDEN),
            "diselesaikan tepat waktu",
            "resolved within target",
        ),
        _figure(
            f"{breaches.first_response} / {breaches.resolution}",
            "pelanggaran SLA (tanggapan / penyelesaian)",
            "SLA breaches (first response / resolution)",
        ),
        _figure(
            f"{number(rating.mean_score)} / 5"
            if isinstance(rating, stats.Satisfaction)
            else HIDDEN,
            "kepuasan pekerja",
            "worker satisfaction",
        ),
    ]
    return f'<div class="headline">{"".join(figures)}</div>'


def _body(summary: stats.UnionStatistics, rows: Sequence[Row], period: Period) -> str:
    volumes, sla = summary.volumes, summary.sla
    # A suppressed month has no figures at all: `aggregate` sets them all or none.
    if summary.suppressed or volumes is None or sla is None:
        return (
            f"<p><b>Kurang dari {MIN_GROUP} aduan bulan ini</b>: angka tidak ditampilkan. "
            f"<small>Fewer than {MIN_GROUP} complaints this month: nothing is shown.</small></p>"
        )
    parts = [
        _headline(summary, volumes, sla),
        *_volume_section(summary, volumes, sla, rows, period),
        *_response_section(summary, volumes, rows),
        *_satisfaction_section(summary.satisfaction),
    ]
    return "\n".join(parts)


def _volume_section(
    summary: stats.UnionStatistics,
    volumes: stats.Volumes,
    sla: stats.SlaStats,
    rows: Sequence[Row],
    period: Period,
) -> list[str]:
    """Complaints per week, category and priority, with the SLA compliance per priority."""
    categories = [
        (CATEGORY_OTHER if e.key == "other" else html.escape(e.key), _count(e))
        for e in volumes.by_category
    ]
    first_response = summary.first_response_hours
    first_by_priority = first_response.by_priority if first_response is not None else {}
    priority_rows = []
    for entry in volumes.by_priority:
        key = entry.key
        first = _shown_hours(first_by_priority.get(key))
        priority_rows.append(
            (
                html.escape(key),
                _count(entry),
                "&ndash;" if first is None else number(first.p50),
                "&ndash;" if first is None else number(first.p90),
                _compliance(sla.first_response.of_priority(key), "&ndash;"),
                _compliance(sla.resolution.of_priority(key), "&ndash;"),
            )
        )
    parts = [
        "<h2>Volume <small>complaints per week, category, priority</small></h2>",
        _img(weekly_chart(stats.weekly_counts(rows, period)), "aduan per minggu"),
        _table(["kategori <small>category</small>", "aduan"], categories),
        _table(
            [
                "prioritas <small>priority</small>",
                "aduan",
                "median jam <small>p50 h</small>",
                "p90 jam <small>p90 h</small>",
                "ditanggapi tepat waktu <small>first response in SLA</small>",
                "selesai tepat waktu <small>resolved in SLA</small>",
            ],
            priority_rows,
        ),
    ]
    # A union's statistics always carry its policy; only a federation's go without.
    if sla.policy is not None:
        parts.append(_policy_note(sla.policy))
    return parts


def _response_section(
    summary: stats.UnionStatistics, volumes: stats.Volumes, rows: Sequence[Row]
) -> list[str]:
    """How soon complaints were answered (per priority) and resolved."""
    parts = ["<h2>Tanggapan pertama <small>first response</small></h2>"]
    hidden_priorities = {e.key for e in volumes.by_priority if isinstance(e, stats.SuppressedCount)}
    shares = stats.first_response_distribution(rows, hidden_priorities)
    if shares:
        parts.append(_img(response_chart(shares), "waktu tanggapan pertama"))
    else:
        parts.append(_hidden_note("Sebaran waktu tanggapan"))
    resolution = _shown_hours(summary.resolution_hours)
    if resolution is not None:
        parts.append(
            f"<p>Penyelesaian: median {number(resolution.p50)} jam, p90 "
            f"{number(resolution.p90)} jam <small>(time to resolution, "
            f"{resolution.count} resolved)</small></p>"
        )
    return parts


def _satisfaction_section(rating: stats.Satisfaction | stats.Suppressed | None) -> list[str]:
    parts = ["<h2>Kepuasan pekerja <small>worker satisfaction</small></h2>"]
    if not isinstance(rating, stats.Satisfaction):
        parts.append(_hidden_note("Penilaian pekerja"))
        return parts
    parts.append(
        f"<p>{rating.count} penilaian, rata-rata {number(rating.mean_score)} / 5 "
        f"<small>({rating.count} ratings, mean score)</small></p>"
    )
    parts.append(_img(satisfaction_chart(rating), "kepuasan pekerja"))
    if rating.top_reasons:
        parts.append(
            _table(
                ["alasan <small>reason</small>", "kali"],
                [(html.escape(r.reason), str(r.count)) for r in rating.top_reasons],
            )
        )
    return parts


def render(
    rows: Sequence[Row],
    union_id: str,
    period: Period,
    *,
    union_name: str | None = None,
    as_of: datetime | None = None,
    policies: Policies | None = None,
) -> str:
    """The report as one HTML string (charts inline, no external files)."""
    summary = stats.union_statistics(rows, union_id, period, as_of, policies)
    mine = [row for row in rows if row["union_id"] == union_id]
    return PAGE.substitute(
        union_name=html.escape(union_name or union_id),
        month=period.start.strftime("%Y-%m"),
        month_label=f"{MONTHS_ID[period.start.month - 1]} {period.start.year}",
        period_from=period.start.isoformat(),
        period_to=period.end.isoformat(),
        # Minutes are enough; the API writes the same instant in full (`IsoDateTime`).
        as_of=html.escape(summary.as_of.isoformat()[:16].replace("T", " ")),
        body=_body(summary, mine, period),
        min_group=MIN_GROUP,
    )


async def build(conn: asyncpg.Connection, union_id: str, month: str) -> str:
    """Read one union's month from feedback's tables and render it."""
    period = Period.month(month)
    name = await conn.fetchval("SELECT name FROM unions WHERE union_id = $1", union_id)
    if name is None:
        raise LookupError(f"feedback knows no union {union_id!r}")
    rows = await stats.fetch_complaints(conn, [union_id], period)
    policies = await clocks.policies_of(conn, [union_id])
    return render(rows, union_id, period, union_name=name, policies=policies)
