"""A sweep's summary table: every variant's accuracy, with its axis values."""

from __future__ import annotations

from selfimprove.engine.data import read_table, write_table
from selfimprove.engine.results import accuracy_table


def summarize_sweep(eval_paths, dataset_paths, out, *, experiment, task, axes):
    """A sweep's table: like summarize_accuracy (round 0 only), plus `variant` and one column
    per sweep axis; axes[i] ({axis: value name}) belongs to eval_paths[i]."""
    df = accuracy_table(eval_paths, [[p] for p in dataset_paths])
    sizes = [len(read_table(p, ["round"])) for p in eval_paths]
    names = ["/".join(f"{a}={v}" for a, v in ax.items()) for ax in axes]
    df["variant"] = [name for name, n in zip(names, sizes) for _ in range(n)]
    for axis in axes[0]:
        df[axis] = [ax[axis] for ax, n in zip(axes, sizes) for _ in range(n)]
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    order = ["variant", "seed", "difficulty", "difficulty2"] + (["group"] if "group" in df else [])
    write_table(df.sort_values(order), out)
