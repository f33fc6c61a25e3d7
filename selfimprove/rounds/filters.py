"""Filters for self-generated labels.

A filter takes the round's label table (one row per prompt, the seed's own answer in
`label`, every model's answer in `votes`) and rejects rows, recording why in `reason`.
Filters run in the order the configuration lists them, each on the rows still accepted:

    none           keep everything
    length         the answer ended with [EOS] and has a length the task's rule admits
    majority_vote  replace the label by the most common answer across models; reject when
                   fewer than `min_agree` models gave it or when two answers tie for first
    valid          an oracle verifier: the answer passes every check of the task's `validity`
                   (the maze's move filter: every step an edge, right endpoints)
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from selfimprove.engine.data import DIFFICULTY
from selfimprove.tasks import Task


def keep_all(table: pd.DataFrame, task: Task, params: dict) -> pd.DataFrame:
    return table


def length_filter(table: pd.DataFrame, task: Task, params: dict) -> pd.DataFrame:
    bounds = table["prompt"].map(task.answer_lengths)
    lo, hi = bounds.str[0], bounds.str[1]
    length = table["label"].str.len()
    bad = table["accepted"] & ~(table["label_ended"] & (length >= lo) & (length <= hi))
    return _reject(table, bad, "length")


def valid_filter(table: pd.DataFrame, task: Task, params: dict) -> pd.DataFrame:
    """An oracle verifier (the paper's maze move filter, Sec. 6.3.3): keep answers that ended and pass
    every check of `task.validity` (for the maze: well formed, every move an edge, right endpoints)."""
    if type(task).validity is Task.validity:
        raise ValueError(f"the valid filter needs a task with validity checks; {task.name!r} has none")
    passes = [
        ended and all(task.validity(p, label).values()) for p, label, ended in zip(table["prompt"], table["label"], table["label_ended"])
    ]
    return _reject(table, table["accepted"] & ~pd.Series(passes, index=table.index, dtype=bool), "invalid")


def majority_vote(table: pd.DataFrame, task: Task, params: dict) -> pd.DataFrame:
    """Votes are (answer, ended) pairs: an answer cut off before [EOS] never matches a finished one."""
    min_agree = params["min_agree"]
    if len(table) and not len(table["votes"].iloc[0]):
        raise ValueError("majority_vote needs the answers of at least one model; none were given")
    table = table.copy()
    winners, counts, reasons = [], [], []
    for votes in table["votes"]:
        ranked = Counter(map(tuple, votes)).most_common()
        (best, n), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0)
        winners.append(best)
        counts.append(n)
        reasons.append("tie" if n == runner_up else ("no_majority" if n < min_agree else ""))
    table["vote_count"] = counts
    live = table["accepted"]
    table.loc[live, "label"] = [w[0] for w, keep in zip(winners, live) if keep]
    table.loc[live, "label_ended"] = [w[1] for w, keep in zip(winners, live) if keep]
    reasons = pd.Series(reasons, index=table.index)
    return _reject(table, live & (reasons != ""), reasons)


def _reject(table: pd.DataFrame, mask: pd.Series, reason) -> pd.DataFrame:
    table = table.copy()
    table.loc[mask, "accepted"] = False
    table.loc[mask, "reason"] = reason[mask] if isinstance(reason, pd.Series) else reason
    return table


FILTERS = {
    "none": keep_all,
    "length": length_filter,
    "majority_vote": majority_vote,
    "valid": valid_filter,
}


def apply_filters(own: pd.DataFrame, all_models: list[pd.DataFrame], names: list[str], task: Task, params: dict) -> pd.DataFrame:
    """own: this seed's labelled prompts (prompt, target, difficulty columns, round, prediction, ended).
    all_models: the same prompts labelled by every model that votes (own included).

    Returns the accepted table: the example columns (with `target` = the accepted label),
    `true_target`, `own_correct` (the seed's raw answer was right), `label_correct`, `accepted`, `reason` (empty when accepted), `votes_total`.
    """
    unknown = [n for n in names if n not in FILTERS]
    if unknown:
        raise ValueError(f"unknown filter(s) {unknown}; available: {', '.join(FILTERS)}")
    for other in all_models:
        if not other["prompt"].equals(own["prompt"]):
            raise ValueError("models labelled different prompts; majority vote needs the same prompts in the same order")
    table = own[["prompt", *DIFFICULTY, "round"]].copy()
    table["true_target"] = own["target"]
    table["own_correct"] = own["ended"] & (own["prediction"] == own["target"])
    table["label"], table["label_ended"] = own["prediction"], own["ended"]
    per_model = [list(zip(m["prediction"], m["ended"])) for m in all_models]
    table["votes"] = [list(v) for v in zip(*per_model)] if per_model else [[]] * len(own)
    table["accepted"], table["reason"], table["vote_count"] = True, "", 0
    for name in names:
        table = FILTERS[name](table, task, params)
    table["label_correct"] = table["label_ended"] & (table["label"] == table["true_target"])
    out = table.drop(columns=["votes"]).rename(columns={"label": "target"})
    out["source"] = "self"
    out["votes_total"] = len(all_models)
    return out
