"""The figure of a self-improvement sweep (selfimprove/rounds/arms.py): its arms side by side, round by round."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from selfimprove.engine.results import reach_axis
from selfimprove.workflow.figures import save_figure


def frontier_accuracy(acc: pd.DataFrame) -> pd.DataFrame:
    """Per (arm, round, seed): accuracy at the hardest difficulty the round's training data reached (the
    frontier) and at the next one evaluated (the first unseen), mean over the cells there."""
    axis = reach_axis(acc)
    rows = []
    for (arm, r, seed), g in acc.groupby(["arm", "round", "seed"]):
        reach = g["trained_up_to"].iloc[0]
        beyond = g.loc[g[axis] > reach, axis]
        rows.append(
            {
                "arm": arm,
                "round": r,
                "seed": seed,
                "frontier": g.loc[g[axis] == reach, "accuracy"].mean(),
                "next": g.loc[g[axis] == beyond.min(), "accuracy"].mean() if len(beyond) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _band(ax, table: pd.DataFrame, column: str, style: str, label: str, color) -> None:
    stats = table.groupby("round")[column].agg(["mean", "min", "max"])
    ax.plot(stats.index, stats["mean"], style, color=color, ms=4, label=label)
    ax.fill_between(stats.index, stats["min"], stats["max"], color=color, alpha=0.15, lw=0)


def plot_arms(acc: pd.DataFrame, labels: pd.DataFrame, out, title: str) -> None:
    """Left: accuracy at each round's trained frontier (solid) and one step past it (dashed). Right: the
    accuracy of the raw self-labels (dashed) and of the kept ones (solid). One colour per arm; mean over
    seeds, band = min..max."""
    arms = list(dict.fromkeys(acc["arm"]))
    colors = dict(zip(arms, plt.cm.tab10(np.arange(len(arms)) % 10)))
    frontier = frontier_accuracy(acc)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for arm in arms:
        _band(left, frontier[frontier["arm"] == arm], "frontier", "o-", f"{arm}: at the trained frontier", colors[arm])
        _band(left, frontier[frontier["arm"] == arm], "next", "s--", f"{arm}: one past it", colors[arm])
        mine = labels[labels["arm"] == arm]
        if len(mine):
            _band(right, mine, "label_accuracy_after", "o-", f"{arm}: kept labels", colors[arm])
            _band(right, mine, "label_accuracy_before", "x--", f"{arm}: raw labels", colors[arm])
    left.set(xlabel="round", ylabel="exact-match accuracy", ylim=(-0.02, 1.02), title="evaluation")
    right.set(xlabel="round (labelling model)", ylabel="fraction correct", ylim=(-0.02, 1.02), title="self-labels")
    for ax in (left, right):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)
