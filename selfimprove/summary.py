"""Collecting per-job results into the experiment's summary tables."""

from __future__ import annotations

import pandas as pd

from .data import read_table, write_table

ACCURACY_COLUMNS = ["round", "seed", "difficulty", "n", "correct", "accuracy"]


def summarize_accuracy(eval_paths, out, *, experiment, task, frontier):
    """One row per (round, seed, difficulty); `trained_up_to` is the hardest difficulty the
    round's training data covered (frontier[round])."""
    df = pd.concat([read_table(p, ACCURACY_COLUMNS) for p in eval_paths], ignore_index=True)
    df["trained_up_to"] = df["round"].map(lambda r: frontier[r])
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    write_table(df.sort_values(["round", "seed", "difficulty"]), out)


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
