"""Accelerated self-improvement: how far past its frontier a round's models may label.

After round r trains, every seed's model answers fresh probe prompts at the next
`max_jump` difficulties. Going up from the first, a difficulty is accepted while every model
reaches `threshold` accuracy on it; the first is always accepted (a round labels at least
one new difficulty, as in the paper). All seeds then label the same accepted difficulties, so
majority voting still compares answers to the same prompts.
"""

from __future__ import annotations

import pandas as pd


def decide(acc: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """acc: rows (seed, difficulty, accuracy) -> one row per difficulty: min_accuracy, accepted."""
    worst = acc.groupby("difficulty")["accuracy"].min().sort_index()
    passing = (worst >= threshold).to_numpy()
    leading = next((i for i, ok in enumerate(passing) if not ok), len(passing))
    run = max(1, leading)  # consecutive passing difficulties from the first; at least the first
    out = worst.rename("min_accuracy").reset_index()
    out["accepted"] = [i < run for i in range(len(out))]
    return out


def accepted_difficulties(table: pd.DataFrame) -> list[int]:
    return sorted(int(d) for d in table.loc[table["accepted"], "difficulty"].unique())
