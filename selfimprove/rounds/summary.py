"""Collecting per-job results into the experiment's summary tables."""

from __future__ import annotations

import pandas as pd

from selfimprove.engine.data import read_table, write_table
from selfimprove.engine.results import accuracy_table


def summarize_accuracy(eval_paths, out, *, experiment, task, training_sets):
    """One row per (round, seed, difficulty), with `trained_up_to` (training_sets[i]: eval i's model's data)."""
    df = accuracy_table(eval_paths, training_sets)
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


def summarize_noise(eval_paths, out, *, experiment, task, settings, training_sets):
    """Like summarize_accuracy for the noisy chains; settings[i] (kind, fraction, start, trial) of eval i."""
    df = accuracy_table(eval_paths, training_sets)
    sizes = [len(read_table(p, ["round"])) for p in eval_paths]
    for key in ("kind", "fraction", "start", "trial"):
        df[key] = [s[key] for s, n in zip(settings, sizes) for _ in range(n)]
    df.insert(0, "task", task)
    df.insert(0, "experiment", experiment)
    write_table(df.sort_values(["kind", "start", "fraction", "trial", "round", "seed", "difficulty"]), out)
