"""A sweep's figures: accuracy by difficulty per variant, by a numeric axis, and by group."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from selfimprove.workflow.figures import save_figure


def _pooled(acc: pd.DataFrame, keys, groups=None) -> pd.DataFrame:
    """Accuracy pooled over everything but `keys` and the seed (difficulties, evaluation groups),
    then mean/min/max over seeds; `tf` is the teacher-forced twin when it was measured."""
    if groups:
        acc = acc[acc["group"].isin(groups)]
    acc = acc.assign(
        tf_correct=acc["tf_accuracy"] * acc["n"] if "tf_accuracy" in acc else np.nan,
        chance_correct=acc["chance"] * acc["n"] if "chance" in acc else np.nan,
    )
    per_seed = acc.groupby([*keys, "seed"])[["correct", "tf_correct", "chance_correct", "n"]].sum(min_count=1).reset_index()
    per_seed["accuracy"] = per_seed["correct"] / per_seed["n"]
    per_seed["tf"] = per_seed["tf_correct"] / per_seed["n"]
    per_seed["chance"] = per_seed["chance_correct"] / per_seed["n"]
    return (
        per_seed.groupby(keys)
        .agg(mean=("accuracy", "mean"), min=("accuracy", "min"), max=("accuracy", "max"), tf=("tf", "mean"), chance=("chance", "mean"))
        .reset_index()
    )


def plot_sweep_by_difficulty(acc: pd.DataFrame, out, title: str, difficulty_label: str = "difficulty", groups=None) -> None:
    """Exact match against difficulty (counting: the count's length), one line per variant (mean
    over seeds, band = min..max); a dotted line marks the longest training difficulty."""
    stats = _pooled(acc, ["variant", "difficulty"], groups)
    variants = list(dict.fromkeys(acc["variant"]))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for v, c in zip(variants, plt.cm.tab10(np.arange(len(variants)) % 10)):
        s = stats[stats["variant"] == v]
        ax.plot(s["difficulty"], s["mean"], "o-", color=c, ms=3, label=v)
        ax.fill_between(s["difficulty"], s["min"], s["max"], color=c, alpha=0.15, lw=0)
    ax.axvline(acc["trained_up_to"].max(), color="0.4", ls=":", lw=1.2, label="longest trained")
    ax.set(xlabel=difficulty_label, ylabel="exact-match accuracy (generation)", ylim=(-0.02, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


def plot_sweep_by_axis(acc: pd.DataFrame, out, title: str, x: str, hue: str | None = None, groups=None, difficulty_label: str = "") -> None:
    """Accuracy against a numeric sweep axis (sparse parity: the number of training tasks), one
    line per value of `hue`; solid = autoregressive exact match, dashed = teacher-forced, dotted = chance."""
    from selfimprove.workflow.variants import numeric

    keys = [x] + ([hue] if hue else [])
    stats = _pooled(acc, keys, groups)
    stats["x"] = numeric(stats[x])
    stats = stats.sort_values("x")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    lines = list(dict.fromkeys(stats[hue])) if hue else [None]
    for value, c in zip(lines, plt.cm.tab10(np.arange(len(lines)) % 10)):
        s = stats[stats[hue] == value] if hue else stats
        name = f"{hue}={value}" if hue else "generation"
        ax.errorbar(
            s["x"],
            s["mean"],
            yerr=[s["mean"] - s["min"], s["max"] - s["mean"]],
            fmt="o-",
            color=c,
            ms=4,
            capsize=3,
            label=f"{name}: exact match (generated)",
        )
        if s["tf"].notna().any():
            ax.plot(s["x"], s["tf"], "s--", color=c, ms=3, alpha=0.7, label=f"{name}: teacher-forced")
        if s["chance"].notna().any():
            ax.plot(s["x"], s["chance"], ":", color=c, lw=1, label=f"{name}: chance")
    ax.set(
        xlabel=x.replace("_", " "), ylabel="accuracy" + (f" ({', '.join(groups)} tasks)" if groups else ""), ylim=(-0.02, 1.02), title=title
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


def plot_sweep_groups(acc: pd.DataFrame, out, title: str, groups=None, difficulty_label: str = "") -> None:
    """Bars per variant and evaluation group (sparse parity's exclusions: test tasks affected or
    not by what training left out); a black tick marks the teacher-forced figure, a red one chance."""
    stats = _pooled(acc, ["variant", "group"], groups)
    variants = list(dict.fromkeys(acc["variant"]))
    names = groups or sorted(stats["group"].unique())
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(1.6 * len(variants) + 2.5, 4))
    for j, (g, c) in enumerate(zip(names, plt.cm.Set2(np.arange(len(names)) % 8))):
        s = stats[stats["group"] == g].set_index("variant").reindex(variants)
        xs = np.arange(len(variants)) + (j - (len(names) - 1) / 2) * width
        bars = ax.bar(xs, s["mean"], width, yerr=[s["mean"] - s["min"], s["max"] - s["mean"]], color=c, capsize=3, label=f"{g} test tasks")
        ax.bar_label(bars, labels=[f"{100 * v:.0f}" if v == v else "" for v in s["mean"]], fontsize=7, padding=2)
        ax.plot(xs, s["tf"], "_", color="k", ms=14, mew=2, label="teacher-forced" if j == 0 else None)
        ax.plot(xs, s["chance"], "_", color="r", ms=14, mew=1.5, label="chance" if j == 0 else None)
    ax.set_xticks(np.arange(len(variants)), variants, fontsize=8)
    ax.set(ylabel="exact-match accuracy (generated)", ylim=(0, 1.1), title=title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


SWEEP_FIGURES = {
    "by_difficulty": plot_sweep_by_difficulty,
    "by_axis": plot_sweep_by_axis,
    "groups": plot_sweep_groups,
}
