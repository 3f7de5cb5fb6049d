"""The chart of `aduan recommend eval --plot`: one panel per label setting, baselines beside
(with --by-writer, then the category-aware system writer by writer)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from services.recommend.offline.evaluation import METRICS, TARGETS, EvalReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from services.recommend.offline.writer_eval import WriterSplitReport

METRIC_LABELS = ("nDCG@3", "P@3", "P1 first action", "category P@5", "hit@3 (ref.)")
SETTING_TITLES = {
    "gold_labels": "gold labels (perfect triage)",
    "triage_output": "labels from the triage model",
    "no_labels": "no labels",
}
# Baselines grey, retrievers in colour, the same colour for a system in every panel.
COLOURS = {
    "constant": "#b0b0b0",
    "playbook": "#707070",
    "plain": "#4c72b0",
    "hybrid": "#dd8452",
    "category_aware": "#55a868",
}
# The per-writer panels of `plot_by_writer`: the category-aware system's main figures.
WRITER_METRICS = {"ndcg3": "nDCG@3", "precision3": "P@3", "category_p5": "category P@5"}


def _setting_panel(ax: Axes, report: EvalReport, setting: str) -> None:
    """Grouped bars per metric for one setting, baselines first (a missing value: no bar)."""
    rows = report.in_setting(setting)
    width = 0.8 / len(rows)
    for i, s in enumerate(rows):
        values = [getattr(s, m) for m in METRICS]
        xs = [j + (i - (len(rows) - 1) / 2) * width for j in range(len(METRICS))]
        present = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        ax.bar(
            [x for x, _ in present],
            [v for _, v in present],
            width,
            label=s.system,
            color=COLOURS.get(s.system),
        )
    for j, metric in enumerate(METRICS):
        if metric in TARGETS:
            ax.hlines(TARGETS[metric], j - 0.4, j + 0.4, colors="black", linestyles="dashed")
    ax.set_xticks(range(len(METRICS)))
    ax.set_xticklabels(METRIC_LABELS)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(SETTING_TITLES.get(setting, setting), fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _writer_panel(ax: Axes, split: WriterSplitReport, setting: str) -> None:
    """The category-aware system per writer (bars) and pooled (dotted lines), one setting."""
    writers = list(split.writers)
    width = 0.8 / len(WRITER_METRICS)
    for i, (metric, label) in enumerate(WRITER_METRICS.items()):
        xs = [j + (i - (len(WRITER_METRICS) - 1) / 2) * width for j in range(len(writers))]
        values = [getattr(split.writers[w].get("category_aware", setting), metric) for w in writers]
        present = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        bars = ax.bar([x for x, _ in present], [v for _, v in present], width, label=label)
        pooled = getattr(split.pooled.get("category_aware", setting), metric)
        if pooled is not None:
            ax.axhline(pooled, color=bars.patches[0].get_facecolor(), linestyle="dotted")
    ax.set_xticks(range(len(writers)))
    ax.set_xticklabels(writers, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(
        f"category_aware per writer, {SETTING_TITLES.get(setting, setting)} (dotted: pooled)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def plot(report: EvalReport, path: Path) -> None:
    """Grouped bars per metric, one panel per setting (a missing value: no bar)."""
    plt = _pyplot()
    settings = report.settings
    fig, axes = plt.subplots(len(settings), 1, figsize=(13, 3.6 * len(settings)), squeeze=False)
    for ax, setting in zip(axes[:, 0], settings, strict=True):
        _setting_panel(ax, report, setting)
    fig.suptitle(
        f"recommend eval: {report.complaints} complaints, {report.cases} cases,"
        f" {report.embedding_version} (dashed: targets)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_by_writer(split: WriterSplitReport, path: Path) -> None:
    """The pooled panels of `plot`, then the category-aware system writer by writer."""
    plt = _pyplot()
    report = split.pooled
    settings = report.settings
    aware = [s for s in settings if report.find("category_aware", s) is not None]
    panels = len(settings) + len(aware)
    fig, axes = plt.subplots(panels, 1, figsize=(13, 3.6 * panels), squeeze=False)
    for ax, setting in zip(axes[: len(settings), 0], settings, strict=True):
        _setting_panel(ax, report, setting)
    for ax, setting in zip(axes[len(settings) :, 0], aware, strict=True):
        _writer_panel(ax, split, setting)
    fig.suptitle(
        f"recommend eval, leave-one-writer-out: {report.complaints} complaints by"
        f" {len(split.writers)} writers, {report.embedding_version} (dashed: targets)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
