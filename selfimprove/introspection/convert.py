"""From collected episodes to training examples, as RISE's conversion does.

An episode is one problem's attempts in turn order, each with its reward; collection stops at the
first success. Every attempt i is a candidate example whose prompt is the episode up to it
(question, attempts 1..i-1 with feedback; see trajectory.turn_prompt) and whose target is attempt i
alone. A criterion decides which candidates are kept:

    criterion   keep attempt i >= 2 when         attempt 1
    all         always                           kept
    better      r_i > r_(i-1)                    kept
    best        r_i >= every earlier r_j         kept
    success     r_i == 1                         kept only if r_1 == 1

A kept example is weighted exp(r_i / tau) (tau = 0.4: r = 1 -> 12.18, 0 -> 1, -1 -> 0.082), the
reward-weighted regression RISE fine-tunes with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selfimprove.introspection.trajectory import MARKERS, turn_prompt

CRITERIA = ("all", "better", "best", "success")


@dataclass(frozen=True)
class Candidate:
    prompt: str
    target: str
    turn: int
    reward: int
    weight: float


def keeps(criterion: str, rewards: list[int], i: int) -> bool:
    """Whether `criterion` keeps attempt i (0-based) of an episode with these rewards."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; available: {', '.join(CRITERIA)}")
    r = rewards[i]
    if criterion == "success":
        return r == 1
    if i == 0 or criterion == "all":
        return True
    if criterion == "better":
        return r > rewards[i - 1]
    return r >= max(rewards[:i])  # best


def convert_episode(
    question: str,
    attempts: list[str],
    rewards: list[int],
    *,
    criterion: str,
    tau: float = 0.4,
    remove_duplicates: bool = False,
    only_success: bool = False,
    context_window: int | None = None,
    markers: str = MARKERS,
) -> list[Candidate]:
    """The kept examples of one episode (attempts and rewards in turn order)."""
    if len(attempts) != len(rewards):
        raise ValueError(f"{len(attempts)} attempts but {len(rewards)} rewards")
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    turns = list(range(1, len(attempts) + 1))
    if remove_duplicates:  # a repeated identical attempt teaches nothing new: keep its first occurrence
        seen, kept = set(), []
        for t, a, r in zip(turns, attempts, rewards):
            if a not in seen:
                seen.add(a)
                kept.append((t, a, r))
        turns, attempts, rewards = (list(x) for x in zip(*kept)) if kept else ([], [], [])
    if only_success and 1 not in rewards:
        return []
    out = []
    for i, (turn, attempt, r) in enumerate(zip(turns, attempts, rewards)):
        if keeps(criterion, rewards, i):
            out.append(Candidate(turn_prompt(question, attempts[:i], context_window, markers), attempt, turn, r, math.exp(r / tau)))
        if r == 1:
            break  # nothing after the first success is trained on
    return out
