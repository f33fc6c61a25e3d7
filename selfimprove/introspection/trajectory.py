"""The text of a multi-turn episode, one character per token.

    Q347+589=A639;XQ347+589=A936;XQ347+589=A           <- the model writes attempt 3 here

`Q` opens the question, `A` an attempt, `;` closes an attempt, and `X` is the feedback "that is
incorrect, try again". As in RISE, the question is repeated after every piece of feedback, and the
feedback never says what was wrong. At test time it follows every attempt, whatever its correctness.

The context window k (RISE's `context_window`) keeps the question plus only the last k - 1
attempts, so a model trained on two-turn episodes always sees histories of the length it was
trained on, however many turns evaluation runs.
"""

from __future__ import annotations

MARKERS = "QA;X"  # question, attempt, end of attempt, feedback
TEXT_MARKERS = "\u00a7\u00b6\u00a6\u00a4"  # the same roles for prose (word problems): § ¶ ¦ ¤


def alphabet(task_alphabet: str, markers: str = MARKERS) -> str:
    """The tokenizer's characters: the task's and the four markers."""
    clash = set(markers) & set(task_alphabet)
    if clash:
        raise ValueError(f"the task's alphabet already uses the episode markers {sorted(clash)}")
    return task_alphabet + markers


def window(previous: list[str], context_window: int | None) -> list[str]:
    """The previous attempts a turn sees: all (None), or the last context_window - 1."""
    if context_window is None:
        return list(previous)
    if context_window < 1:
        raise ValueError(f"context_window must be at least 1 (the question alone), got {context_window}")
    return list(previous[len(previous) - (context_window - 1) :]) if context_window > 1 else []


def turn_prompt(question: str, previous: list[str], context_window: int | None = None, markers: str = MARKERS) -> str:
    """What the model continues to write its next attempt, given its previous attempts."""
    q, a, end, feedback = markers
    history = "".join(f"{q}{question}{a}{attempt}{end}{feedback}" for attempt in window(previous, context_window))
    return f"{history}{q}{question}{a}"
