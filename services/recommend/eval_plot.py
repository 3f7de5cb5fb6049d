"""The chart of `aduan recommend eval --plot`: one panel per label setting, baselines beside."""

from __future__ import annotations

from pathlib import Path

from services.recommend.evaluation import METRICS, TARGETS, EvalReport

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


def plot(report: EvalReport, path: Path) -> None:
    """Grouped bars per metric, one panel per setting (a missing value: no bar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = report.settings
    fig, axes = plt.subplots(len(settings), 1, figsize=(13, 3.6 * len(settings)), squeeze=False)
    for ax, setting in zip(axes[:, 0], settings, strict=True):
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
    fig.suptitle(
        f"recommend eval: {report.complaints} complaints, {report.cases} cases,"
        f" {report.embedding_version} (dashed: targets)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
