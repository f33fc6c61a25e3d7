"""What every claim check shares: measured figures with their 95 % intervals, verdicts, and the few
readings of a summary table the claims are stated in (the longest solved length, the trained frontier)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from selfimprove.engine.results import interval, reach_axis

SOLVED = 0.99  # "solved": exact match at or above this (Lee et al.'s 99 %)


@dataclass(frozen=True)
class Measure:
    """One measured figure: its mean, the half-width of its 95 % interval, and over what."""

    name: str
    mean: float
    half_width: float = 0.0
    over: str = ""  # "5 seeds", "3 trials x 3 seeds", "12,000 sequences"

    def __str__(self) -> str:
        spread = f" ± {self.half_width:.3g}" if self.half_width else ""
        over = f" ({self.over})" if self.over else ""
        return f"{self.name} = {self.mean:.4g}{spread}{over}"

    @property
    def interval(self) -> tuple[float, float]:
        return self.mean - self.half_width, self.mean + self.half_width


@dataclass(frozen=True)
class Verdict:
    claim: str
    paper: str  # where the claim is made
    criterion: str  # what counts as reproduced, in words
    measures: list[Measure] = field(default_factory=list)
    passed: bool = False

    def lines(self) -> list[str]:
        return [
            f"{'PASS' if self.passed else 'FAIL'}  {self.claim}  ({self.paper})",
            f"  criterion: {self.criterion}",
            *(f"  measured:  {m}" for m in self.measures),
        ]


class ClaimError(ValueError):
    """The results cannot decide the claim (a table or an arm is missing): a FAIL, with the reason."""


def over_seeds(name: str, values, unit: str = "seed") -> Measure:
    """The mean of per-seed values (or per `unit`: a noisy chain is a trial of a seed) with its 95 % t interval."""
    s = pd.Series(values, dtype=float).dropna()
    if s.empty:
        raise ClaimError(f"{name}: no values to measure")
    mean, half = interval(s)
    return Measure(name, mean, half, f"{len(s)} {unit}{'s' * (len(s) > 1)}")


def proportion(name: str, correct: float, n: float) -> Measure:
    """A share of `n` scored answers, its 95 % interval the Wilson score interval (symmetric about its
    centre, so reported as the share's own ± the larger distance to an end)."""
    if n <= 0:
        raise ClaimError(f"{name}: nothing was scored")
    z, p = 1.96, correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Measure(name, p, max(p - (centre - half), centre + half - p), f"{int(n):,} answers, Wilson")


def per_seed_accuracy(acc: pd.DataFrame, round_: int, cells) -> pd.Series:
    """Per seed: mean exact match at round `round_` over `cells` (difficulties, or (a, b) pairs)."""
    rows = acc[acc["round"] == round_]
    if cells and isinstance(cells[0], (list, tuple)):
        keys = {tuple(int(v) for v in c) for c in cells}
        rows = rows[[(a, b) in keys for a, b in zip(rows["difficulty"], rows["difficulty2"])]]
    else:
        rows = rows[rows[reach_axis(acc)].isin([int(c) for c in cells])]
    if rows.empty:
        raise ClaimError(f"nothing evaluated at {list(cells)} in round {round_}")
    return rows.groupby("seed")["accuracy"].mean()


def solved_length(acc: pd.DataFrame) -> int | None:
    """The longest difficulty up to which mean exact match over seeds is at least SOLVED at every evaluated
    difficulty (from the easiest evaluated on); None when even the easiest is not solved."""
    axis = reach_axis(acc)
    curve = acc.groupby(axis)["accuracy"].mean().sort_index()
    solved = None
    for difficulty, accuracy in curve.items():
        if accuracy < SOLVED:
            break
        solved = int(difficulty)
    return solved


def frontier_by_seed(acc: pd.DataFrame, round_: int) -> pd.Series:
    """Per seed: exact match at the hardest difficulty round `round_`'s training data reached."""
    rows = acc[acc["round"] == round_]
    axis = reach_axis(acc)
    at = rows[rows[axis] == rows["trained_up_to"]]
    if at.empty:
        raise ClaimError(f"round {round_} was not evaluated at its trained frontier")
    return at.groupby("seed")["accuracy"].mean()


def arm_rows(table: pd.DataFrame, arm: str, column: str = "arm") -> pd.DataFrame:
    rows = table[table[column] == arm]
    if rows.empty:
        raise ClaimError(f"no {column} {arm!r} in the results; there are: {', '.join(map(str, table[column].unique()))}")
    return rows
