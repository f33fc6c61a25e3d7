"""String copy: repeat a digit string.

    prompt '5028='   target '5028'

Difficulty n = string length; the answer is as long as the prompt's string.
"""

from __future__ import annotations

import random

from selfimprove.tasks.base import Example, Task, digit_string


class Copy(Task):
    name = "copy"
    VERSION = 1
    alphabet = "0123456789="
    difficulty_unit = "string length"

    def sample(self, rng: random.Random, difficulty: int) -> Example:
        prompt = digit_string(rng, difficulty) + "="
        return Example(prompt, self.answer(prompt), difficulty)

    def answer(self, prompt: str) -> str:
        return prompt.rstrip("=")

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        n = len(prompt) - 1
        return n, n

    def num_distinct(self, difficulty: int) -> float:
        return float(9 * 10 ** (difficulty - 1))
