"""The paper's evaluation figures from sequential and parallel episode tables.

    acc@t    accuracy of turn t's attempt (t = 1..turns)
    m1@t5    majority vote over one question's sequential answers (no oracle)
    m5@t1    majority vote over the parallel first attempts (the matched-compute baseline)
    p1@t5    ORACLE: any sequential turn correct (needs the verifier at test time; labelled as such)
    wrong->right, right->wrong, unchanged: transitions between consecutive turns
    repeats  how often an attempt repeats the previous one verbatim

A majority is the most frequent answer, the earliest on ties; it is right if it is the answer.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd


def majority_correct(group: pd.DataFrame) -> bool:
    counts = Counter(group["attempt"])
    top = max(counts.values())
    first = next(a for a in group["attempt"] if counts[a] == top)  # earliest of the most frequent
    return bool(group.loc[group["attempt"] == first, "reward"].iloc[0] == 1)


def turn_accuracy(episodes: pd.DataFrame) -> pd.Series:
    return (episodes["reward"] == 1).groupby(episodes["turn"]).mean()


def transitions(episodes: pd.DataFrame) -> pd.DataFrame:
    """Per turn t >= 2: how many questions went wrong->right, right->wrong, or kept their correctness."""
    wide = episodes.assign(right=episodes["reward"] == 1).pivot(index="problem", columns="turn", values="right")
    rows = []
    for t in wide.columns[1:]:
        before, after = wide[t - 1], wide[t]
        rows.append(
            {
                "turn": int(t),
                "wrong_to_right": int((~before & after).sum()),
                "right_to_wrong": int((before & ~after).sum()),
                "unchanged": int((before == after).sum()),
            }
        )
    return pd.DataFrame(rows)


def summary(sequential: pd.DataFrame, parallel: pd.DataFrame | None = None) -> dict:
    """The headline figures of one evaluation."""
    acc = turn_accuracy(sequential)
    sequential = sequential.sort_values(["problem", "turn"], ignore_index=True)
    by_problem = sequential.groupby("problem")
    last = int(sequential["turn"].max())
    out = {f"acc@t{int(t)}": float(a) for t, a in acc.items()}
    out[f"m1@t{last}"] = float(by_problem.apply(majority_correct, include_groups=False).mean())
    out[f"p1@t{last} (oracle)"] = float(by_problem["reward"].apply(lambda r: (r == 1).any()).mean())
    previous = by_problem["attempt"].shift()
    out["repeats"] = float((sequential["attempt"] == previous)[previous.notna()].mean()) if last > 1 else 0.0
    if parallel is not None:
        k = int(parallel["turn"].max())
        out[f"m{k}@t1"] = float(parallel.groupby("problem").apply(majority_correct, include_groups=False).mean())
        out[f"pass@{k} (oracle)"] = float(parallel.groupby("problem")["reward"].apply(lambda r: (r == 1).any()).mean())
    return out
