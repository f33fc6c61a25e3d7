"""The introspection figures, from the summary tables (stages.summarize).

accuracy_by_turn   one panel per arm (RISE, the single-turn control): accuracy at each
                   sequential turn, one colour per iteration (mean over seeds, band = the
                   seeds' range; summary/metrics.md has the 95% t intervals); dashed: the history ablation; dotted horizontal: the
                   majority of the parallel samples (m5@t1), the matched-compute baseline
transitions        per arm and iteration: wrong->right (up) and right->wrong (down) between
                   consecutive sequential turns, summed over seeds
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from selfimprove.engine.data import read_table
from selfimprove.workflow.figures import save_figure

STYLES = {"sequential": "-", "shuffled_history": "--", "full_history": "-."}
LABELS = {"sequential": "sequential", "shuffled_history": "another problem's history", "full_history": "no context window"}
ARMS = {"rise": "RISE", "single_turn": "single-turn control"}


def _colors(n):
    return plt.cm.viridis(np.linspace(0, 0.85, n))


def plot_accuracy_by_turn(turns_path, transitions_path, metrics_path, out, title: str) -> None:
    turns, headline = read_table(turns_path, []), read_table(metrics_path, [])
    arms = [a for a in ARMS if a in set(turns["arm"])]
    iterations = sorted(turns["iteration"].unique())
    colors = dict(zip(iterations, _colors(len(iterations))))
    fig, axes = plt.subplots(1, len(arms), figsize=(5.2 * len(arms), 4.2), sharey=True, squeeze=False)
    for ax, arm in zip(axes[0], arms):
        for protocol, style in STYLES.items():
            t = turns[(turns["arm"] == arm) & (turns["protocol"] == protocol)]
            for it, g in t.groupby("iteration"):
                stats = g.groupby("turn")["accuracy"].agg(["mean", "min", "max"])
                ax.plot(
                    stats.index,
                    stats["mean"],
                    style,
                    marker="o" if protocol == "sequential" else None,
                    ms=3.5,
                    color=colors[it],
                    lw=1.8 if protocol == "sequential" else 1.1,
                    label=f"iteration {it}" if protocol == "sequential" else None,
                )
                if protocol == "sequential":
                    ax.fill_between(stats.index, stats["min"], stats["max"], color=colors[it], alpha=0.15, lw=0)
        majority = headline[(headline["arm"] == arm) & (headline["protocol"] == "sequential") & headline["metric"].str.match(r"m\d+@t1$")]
        for it, g in majority.groupby("iteration"):
            ax.axhline(g["value"].mean(), color=colors[it], ls=":", lw=1.2)
        ax.set(title=ARMS[arm], xlabel="turn (constant 'try again' feedback)", ylim=(-0.02, 1.02))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("accuracy")
    handles, labels = axes[0][0].get_legend_handles_labels()
    present = [p for p in STYLES if p in set(turns["protocol"])]
    handles += [plt.Line2D([], [], color="grey", ls=STYLES[p]) for p in present[1:]] + [plt.Line2D([], [], color="grey", ls=":")]
    labels += [LABELS[p] for p in present[1:]] + ["majority of parallel samples"]
    axes[0][-1].legend(handles, labels, fontsize=8, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


def plot_transitions(turns_path, transitions_path, metrics_path, out, title: str) -> None:
    moves = read_table(transitions_path, [])
    moves = moves[moves["protocol"] == "sequential"]
    arms = [a for a in ARMS if a in set(moves["arm"])]
    iterations = sorted(moves["iteration"].unique())
    colors = _colors(len(iterations))
    fig, axes = plt.subplots(1, len(arms), figsize=(5.2 * len(arms), 4.2), sharey=True, squeeze=False)
    width = 0.8 / max(len(iterations), 1)
    for ax, arm in zip(axes[0], arms):
        m = moves[moves["arm"] == arm].groupby(["iteration", "turn"])[["wrong_to_right", "right_to_wrong"]].sum().reset_index()
        for k, (it, c) in enumerate(zip(iterations, colors)):
            g = m[m["iteration"] == it]
            x = g["turn"] + (k - (len(iterations) - 1) / 2) * width
            ax.bar(x, g["wrong_to_right"], width, color=c, label=f"iteration {it}")
            ax.bar(x, -g["right_to_wrong"], width, color=c, alpha=0.45)
        ax.axhline(0, color="black", lw=0.8)
        ax.set(title=ARMS[arm], xlabel="turn t (change from turn t-1)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel("problems: wrong→right (up), right→wrong (down)")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, out, dpi=130)


FIGURES = {"accuracy_by_turn": plot_accuracy_by_turn, "transitions": plot_transitions}
