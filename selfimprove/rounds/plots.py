"""Self-improvement figures from the summary tables: accuracy per round, heatmaps, self-labels, label noise."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from selfimprove.engine.results import reach_axis
from selfimprove.workflow.figures import save_figure


def _per_round(acc: pd.DataFrame, x: str = "difficulty") -> pd.DataFrame:
    return acc.groupby(["round", x])["accuracy"].agg(["mean", "min", "max"]).reset_index()


def _x_axis(acc: pd.DataFrame, axes) -> tuple[str | None, str]:
    """The column evaluation varies (and its name), or None when both axes of a two-axis task vary."""
    varies = [c for c in ("difficulty", "difficulty2") if c in acc and acc[c].nunique() > 1]
    if len(varies) == 2:
        return None, ""
    column = varies[0] if varies else "difficulty"
    return column, axes[0 if column == "difficulty" else 1]


def plot_accuracy(acc: pd.DataFrame, out, title: str, axes=("difficulty",)) -> None:
    """Accuracy against difficulty, one line per round (mean over seeds, band = min..max);
    a dotted vertical line marks how far each round's training data reached. When a
    two-axis task is evaluated on a grid (multiplication), one accuracy grid per round."""
    x, xlabel = _x_axis(acc, axes)
    if x is None:
        return plot_grids(acc, out, title, axes)
    stats = _per_round(acc, x)
    rounds = sorted(stats["round"].unique())
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(rounds)))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    frontier = acc.groupby("round")["trained_up_to"].first()
    for r, c in zip(rounds, colors):
        s = stats[stats["round"] == r]
        ax.plot(s[x], s["mean"], "o-", color=c, ms=3.5, label=f"round {r}")
        ax.fill_between(s[x], s["min"], s["max"], color=c, alpha=0.15, lw=0)
        ax.axvline(frontier[r], color=c, ls=":", lw=1)  # trained_up_to is measured along the axis drawn (summary.reach_axis)
    ax.set(xlabel=xlabel, ylabel="exact-match accuracy", ylim=(-0.02, 1.02), title=title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2 if len(rounds) > 6 else 1, loc="lower left")
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


def plot_grids(acc: pd.DataFrame, out, title: str, axes) -> None:
    """One panel per round: mean accuracy over the grid of the two difficulty axes."""
    rounds = sorted(acc["round"].unique())
    cols = min(len(rounds), 4)
    rows = -(-len(rounds) // cols)
    fig, axs = plt.subplots(rows, cols, figsize=(3.2 * cols + 1, 3.4 * rows + 0.8), squeeze=False, constrained_layout=True)
    for ax in axs.flat[len(rounds) :]:
        ax.axis("off")
    for ax, r in zip(axs.flat, rounds):
        grid = acc[acc["round"] == r].groupby(["difficulty", "difficulty2"])["accuracy"].mean().unstack()
        im = ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, vmax=1, origin="lower")
        for (i, j), v in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=6, color="white" if v < 0.6 else "black")
        ax.set_xticks(range(grid.shape[1]), grid.columns)
        ax.set_yticks(range(grid.shape[0]), grid.index)
        ax.set(xlabel=axes[1], ylabel=axes[0] if ax in axs[:, 0] else "", title=f"round {r}")
    fig.suptitle(title)
    fig.colorbar(im, ax=axs, label="accuracy", shrink=0.8)
    save_figure(fig, out, dpi=130, bbox_inches="tight")


def plot_heatmap(acc: pd.DataFrame, out, title: str, axes=("difficulty",)) -> None:
    """Round × difficulty grid of mean accuracy, each cell printed (two varying axes: one
    column per cell 'a,b')."""
    x, xlabel = _x_axis(acc, axes)
    if x is None:
        acc = acc.assign(cell=acc["difficulty"].astype(str) + "," + acc["difficulty2"].astype(str))
        order = acc.sort_values(["difficulty", "difficulty2"])["cell"].unique()
        x, xlabel = "cell", f"{axes[0]}, {axes[1]}"
    grid = _per_round(acc, x).pivot(index="round", columns=x, values="mean")
    if x == "cell":
        grid = grid[order]
    fig, ax = plt.subplots(figsize=(0.55 * grid.shape[1] + 2, 0.45 * grid.shape[0] + 1.6))
    im = ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto", origin="lower")
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=7, color="white" if v < 0.6 else "black")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=90 if x == "cell" else 0)
    ax.set_yticks(range(grid.shape[0]), grid.index)
    ax.set(xlabel=xlabel, ylabel="round", title=title)
    fig.colorbar(im, ax=ax, label="accuracy")
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


def plot_selflabels(labels: pd.DataFrame, out, title: str) -> None:
    """Per round: accuracy of the raw self-labels, of the kept ones, and the kept fraction."""
    g = labels.groupby("round")
    rounds = np.array(sorted(labels["round"].unique()))
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(rounds, g["label_accuracy_before"].mean(), "o-", label="raw labels correct")
    ax.plot(rounds, g["label_accuracy_after"].mean(), "s-", label="kept labels correct")
    ax.plot(rounds, (g["kept"].sum() / g["labelled"].sum()), "^--", label="fraction kept")
    ax.set(xlabel="round (labelling model)", ylabel="fraction", ylim=(-0.02, 1.02), title=title)
    ax.set_xticks(rounds)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


FIGURES = {
    "accuracy": plot_accuracy,
    "grids": plot_grids,
    "heatmap": plot_heatmap,
    "selflabels": plot_selflabels,
}


def plot_noise(noisy: pd.DataFrame, clean: pd.DataFrame, out, title: str) -> None:
    """Final accuracy against noise fraction: each chain's last round, at the hardest difficulty it
    trained on; one line per (kind, start round); fraction 0 from the clean chain at that round."""
    last = noisy[noisy["round"] == noisy.groupby(["kind", "start"])["round"].transform("max")]
    axis = reach_axis(noisy)
    at_frontier = last[last[axis] == last["trained_up_to"]]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for (kind, start), g in at_frontier.groupby(["kind", "start"]):
        points = g.groupby("fraction")["accuracy"].mean()
        r = int(g["round"].iloc[0])
        base = clean[(clean["round"] == r) & (clean[axis] == clean["trained_up_to"])]["accuracy"]
        if len(base):
            points = pd.concat([pd.Series({0.0: base.mean()}), points]).sort_index()
        ax.plot(points.index, points.to_numpy(), "o-", ms=4, label=f"{kind}, from round {start} (round {r} shown)")
    ax.set(xlabel="fraction of corrupted self-labels", ylabel="accuracy at the trained frontier", ylim=(-0.02, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


# --------------------------------------------------------------------------- sweeps (length and task generalization)
