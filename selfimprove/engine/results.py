"""Evaluation tables stacked across jobs: what every family's summary starts from."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow.parquet as pq

from selfimprove.engine.data import read_table

ACCURACY_COLUMNS = ["round", "seed", "difficulty", "difficulty2", "n", "correct", "accuracy"]


def reach_axis(acc: pd.DataFrame) -> str:
    """The difficulty column a table's frontier is measured along: the second axis when it is the only
    one evaluated at several values (maze hops: 30 nodes, 1..29 hops), else the first."""
    if acc["difficulty"].nunique() == 1 and acc["difficulty2"].nunique() > 1:
        return "difficulty2"
    return "difficulty"


def accuracy_table(eval_paths, training_sets) -> pd.DataFrame:
    """Evaluation tables stacked; `trained_up_to` is how far the model's training data
    (training_sets[i]: the parts eval_paths[i]'s model trained on) reached along `reach_axis`."""
    evals = [read_table(p, ACCURACY_COLUMNS) for p in eval_paths]
    axis = reach_axis(pd.concat(evals, ignore_index=True))
    reach_of = {}  # part -> its furthest difficulty (None: no examples); each part is read once
    parts = []
    for acc, training_set in zip(evals, training_sets, strict=True):
        for part in training_set:
            if part not in reach_of:
                reach_of[part] = pq.read_table(part, columns=[axis]).column(axis).to_pandas().max()
        reaches = [reach_of[p] for p in training_set if pd.notna(reach_of[p])]
        parts.append(acc.assign(trained_up_to=int(max(reaches))))
    return pd.concat(parts, ignore_index=True)


# Two-sided 95 % quantiles of Student's t by degrees of freedom (the normal's 1.96 beyond 30).
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}
T95 |= dict(
    zip(
        range(11, 31),
        (
            2.201,
            2.179,
            2.160,
            2.145,
            2.131,
            2.120,
            2.110,
            2.101,
            2.093,
            2.086,
            2.080,
            2.074,
            2.069,
            2.064,
            2.060,
            2.056,
            2.052,
            2.048,
            2.045,
            2.042,
        ),
    )
)


def interval(values) -> tuple[float, float]:
    """(mean, half-width of the 95 % t interval over the values, e.g. seeds; 0 for one value)."""
    s = pd.Series(values, dtype=float)
    if len(s) < 2:
        return float(s.mean()), 0.0
    return float(s.mean()), T95.get(len(s) - 1, 1.96) * float(s.std(ddof=1)) / math.sqrt(len(s))
