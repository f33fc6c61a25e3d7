"""What a training step draws: the mixture of base and self-labelled data, with replacement or in epochs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch

from selfimprove.engine.data import DIFFICULTY

log = logging.getLogger(__name__)


def mixture_probabilities(df: pd.DataFrame, newest_fraction: float, weights: str = "levels", newest_round: int | None = None) -> np.ndarray:
    """Per-row sampling probability: the paper's mixture.

    The newest self-labelled round (`newest_round`, else the latest present) gets `newest_fraction`
    of the mass; the rest is shared by the base data and older self-labelled rounds in proportion
    to their weight (`group_weights`). With no self-labelled data, rows are uniform. A newest round
    whose filters kept nothing gets no mass, and a warning says so: its share is never handed to
    an older round alone, but spread over all of them by weight.
    """
    self_rows = df["source"] == "self"
    groups = data_groups(df)
    if not self_rows.any():
        if newest_round is not None:
            log.warning("round %d's filters kept no self-label: this run trains on the base data alone", newest_round)
        return np.full(len(df), 1.0 / len(df))
    newest = "self" + str(df.loc[self_rows, "round"].max() if newest_round is None else newest_round)
    weight = group_weights(df, groups, weights)
    sizes = pd.Series(groups).value_counts()
    older = weight.drop(newest, errors="ignore")  # base data and older self-labelled rounds
    if newest not in weight:
        log.warning("%s's filters kept no self-label: the older data shares the whole batch by weight", newest.replace("self", "round "))
        mass = older / older.sum()
    elif older.empty:
        mass = pd.Series({newest: 1.0})
    else:
        mass = older / older.sum() * (1 - newest_fraction)
        mass[newest] = newest_fraction
    return (mass[groups] / sizes[groups]).to_numpy(copy=True)  # writable: torch.as_tensor warns on a read-only view


def data_groups(df: pd.DataFrame) -> np.ndarray:
    """Each row's group in the mixture: "base", or "self<r>" for round r's self-labels."""
    return np.where(df["source"] == "self", "self" + df["round"].astype(str), "base")


class MixtureSampler:
    """Draws a step's rows from the mixture `probs` (one probability per row).

    replacement: every row drawn independently. epochs (the paper's code, which streams each data
    set in order and interleaves them): each example's group is drawn by the group's share, and a
    group hands out its rows in one fixed shuffled order, round and round, so every row of a group
    is seen once before any is seen again. `cursors` (how far each group has read) is the state a
    resumed round needs besides `gen`.
    """

    def __init__(self, probs: torch.Tensor, groups: np.ndarray, sampling: str, gen: torch.Generator, seed: int):
        if sampling not in ("replacement", "epochs"):
            raise ValueError(f"unknown train.sampling {sampling!r}; use replacement or epochs")
        self.probs, self.sampling, self.gen = probs, sampling, gen
        self.orders, self.cursors = [], []
        if sampling == "epochs":
            order = torch.Generator().manual_seed(seed)
            members = [np.flatnonzero(groups == name) for name in sorted(set(groups))]
            self.orders = [m[torch.randperm(len(m), generator=order).numpy()] for m in members]
            self.shares = torch.stack([probs[torch.as_tensor(m)].sum() for m in members])
            self.cursors = [0] * len(members)

    def draw(self, batch_size: int) -> np.ndarray:
        if self.sampling == "replacement":
            return torch.multinomial(self.probs, batch_size, replacement=True, generator=self.gen).numpy()
        picks = torch.multinomial(self.shares, batch_size, replacement=True, generator=self.gen).numpy()
        idx = np.empty(batch_size, dtype=np.int64)
        for g, order in enumerate(self.orders):
            slots = np.flatnonzero(picks == g)
            idx[slots] = order[(self.cursors[g] + np.arange(len(slots))) % len(order)]
            self.cursors[g] += len(slots)
        return idx


def group_weights(df: pd.DataFrame, groups: np.ndarray, weights: str) -> pd.Series:
    """Each data group's weight in the older share of the mixture.

    cells: the distinct difficulty cells it covers. levels (the paper's code): the base data weighs
    the distinct values of the first difficulty axis (multiplication 1..5 x 1..5 weighs 5, a maze of
    30 nodes x 1..9 hops weighs 1); a self-labelled round the difficulties it labelled when the task
    has one axis, and 1 when it has two.
    """
    cells = df[DIFFICULTY].assign(group=groups).drop_duplicates()
    if weights == "cells":
        return cells.groupby("group").size()
    if weights != "levels":
        raise ValueError(f"unknown mixture weights {weights!r}; use levels or cells")
    two_axes = (df["difficulty2"] != 0).any()
    levels = cells.drop_duplicates(["group", "difficulty"]).groupby("group").size()
    if two_axes:
        levels[levels.index != "base"] = 1
    return levels
