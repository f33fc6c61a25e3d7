"""The verifier: RISE's rewards on a task with an exact answer.

1: the attempt is the answer. 0: wrong, but a well-formed answer (it ended, uses only the answer's
characters, and has an admissible length by the task's own length rule). -1: malformed, e.g. no
end of attempt within the budget, a stray marker, or an impossible length.
"""

from __future__ import annotations

from ..tasks import Task

CORRECT, WRONG, MALFORMED = 1, 0, -1


def reward(task: Task, question: str, attempt: str, ended: bool = True) -> int:
    truth = task.answer(question)
    if ended and attempt == truth:
        return CORRECT
    lo, hi = task.answer_lengths(question)
    answer_chars = set(task.alphabet) - set(question[-1:])  # the prompt's closing symbol ('=') is no answer character
    if not ended or not lo <= len(attempt) <= hi or not set(attempt) <= answer_chars:
        return MALFORMED
    return WRONG
