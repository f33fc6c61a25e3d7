"""The verifier: RISE's rewards on a task with an exact answer.

1: the attempt is the answer. 0: wrong, but a well-formed answer (it ended, uses only answer
characters, and has an admissible length by the task's own length rule). -1: malformed, e.g. no
end of attempt within the budget, a stray marker, or an impossible length. Answer characters are
the digits and whatever the true answer writes (multiplication's '+' and '=').
"""

from __future__ import annotations

from selfimprove.tasks import Task

CORRECT, WRONG, MALFORMED = 1, 0, -1


def reward(task: Task, question: str, attempt: str, ended: bool = True) -> int:
    truth = task.answer(question)
    if ended and attempt == truth:
        return CORRECT
    lo, hi = task.answer_lengths(question)
    if not ended or not lo <= len(attempt) <= hi or not set(attempt) <= answer_characters(task, question):
        return MALFORMED
    return WRONG


def answer_characters(task: Task, question: str) -> set[str]:
    return set(task.answer(question)) | (set("0123456789") & set(task.alphabet))
