"""Collecting per-job results into the experiment's summary tables."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from .data import read_table, write_table

ACCURACY_COLUMNS = ["round", "seed", "difficulty", "difficulty2", "n", "correct", "accuracy"]


def reach_axis(acc: pd.DataFrame) -> str:
    """The difficulty column a table's frontier is measured along: the second axis when it is the only
    one evaluated at several values (maze hops: 30 nodes, 1..29 hops), else the first."""
    if acc["difficulty"].nunique() == 1 and acc["difficulty2"].nunique() > 1:
        return "difficulty2"
    return "difficulty"


def accuracy_table(eval_paths, dataset_paths) -> pd.DataFrame:
    """Evaluation tables stacked; `trained_up_to` is how far the round's training data
    (dataset_paths[i], the training set of eval_paths[i]) reached along `reach_axis`."""
    evals = [read_table(p, ACCURACY_COLUMNS) for p in eval_paths]
    axis = reach_axis(pd.concat(evals, ignore_index=True))
    parts = []
    for acc, dataset_path in zip(evals, dataset_paths, strict=True):
        reach = int(pq.read_table(dataset_path, columns=[axis]).column(axis).to_pandas().max())
        parts.append(acc.assign(trained_up_to=reach))
    return pd.concat(parts, ignore_index=True)


def summarize_accuracy(eval_paths, dataset_paths, out, *, experiment, task):
    """One row per (round, seed, difficulty), with `trained_up_to`."""
    df = accuracy_table(eval_paths, dataset_paths)
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    write_table(df.sort_values(["round", "seed", "difficulty", "difficulty2"]), out)


def summarize_selflabels(accepted_paths, out):
    """One row per (round, seed): how many labels were kept and how many of them were right."""
    rows = []
    for path in accepted_paths:
        t = read_table(path, ["seed", "round", "difficulty", "accepted", "own_correct", "label_correct"])
        kept = t[t["accepted"]]
        rows.append(
            {
                "round": int(t["round"].iloc[0]),
                "seed": int(t["seed"].iloc[0]),
                "difficulty": int(t["difficulty"].max()),
                "labelled": len(t),
                "kept": len(kept),
                "label_accuracy_before": float(t["own_correct"].mean()),
                "label_accuracy_after": float(kept["label_correct"].mean()) if len(kept) else float("nan"),
            }
        )
    write_table(pd.DataFrame(rows).sort_values(["round", "seed"]), out)


def summarize_noise(eval_paths, dataset_paths, out, *, experiment, task, settings):
    """Like summarize_accuracy for the noisy chains; settings[i] (kind, fraction, start, trial) of eval i."""
    df = accuracy_table(eval_paths, dataset_paths)
    sizes = [len(read_table(p, ["round"])) for p in eval_paths]
    for key in ("kind", "fraction", "start", "trial"):
        df[key] = [s[key] for s, n in zip(settings, sizes) for _ in range(n)]
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    write_table(df.sort_values(["kind", "start", "fraction", "trial", "round", "seed", "difficulty"]), out)


def summarize_sweep(eval_paths, dataset_paths, out, *, experiment, task, axes):
    """A sweep's table: like summarize_accuracy (round 0 only), plus `variant` and one column
    per sweep axis; axes[i] ({axis: value name}) belongs to eval_paths[i]."""
    df = accuracy_table(eval_paths, dataset_paths)
    sizes = [len(read_table(p, ["round"])) for p in eval_paths]
    names = ["/".join(f"{a}={v}" for a, v in ax.items()) for ax in axes]
    df["variant"] = [name for name, n in zip(names, sizes) for _ in range(n)]
    for axis in axes[0]:
        df[axis] = [ax[axis] for ax, n in zip(axes, sizes) for _ in range(n)]
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    order = ["variant", "seed", "difficulty", "difficulty2"] + (["group"] if "group" in df else [])
    write_table(df.sort_values(order), out)
