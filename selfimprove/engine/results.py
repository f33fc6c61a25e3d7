"""Evaluation tables stacked across jobs: what every family's summary starts from."""

from __future__ import annotations

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
