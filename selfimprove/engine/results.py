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
