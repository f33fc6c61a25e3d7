"""Forward addition: operands and sum written most-significant digit first, no padding.

    a=12,  b=345   prompt '12+345='   target '357'
    a=999, b=1     prompt '999+1='    target '1000'

The answer has max(len a, len b) or one more digit, so the prompt fixes the length only up
to that carry: the length rule admits both. Difficulty n = digits of each operand; base data
draws the two lengths independently, as the paper's generator does.
"""

from __future__ import annotations

import random

from .base import Example, Task, digit_string


class ForwardAddition(Task):
    name = "forward_addition"
    VERSION = 1
    alphabet = "0123456789+="
    difficulty_unit = "digits per operand"

    def _example(self, a: str, b: str) -> Example:
        prompt = f"{a}+{b}="
        return Example(prompt, self.answer(prompt), max(len(a), len(b)))

    def sample(self, rng: random.Random, difficulty: int) -> Example:
        return self._example(digit_string(rng, difficulty), digit_string(rng, difficulty))

    def sample_base(self, rng: random.Random, lo: int, hi: int) -> Example:
        return self._example(digit_string(rng, rng.randint(lo, hi)), digit_string(rng, rng.randint(lo, hi)))

    @staticmethod
    def _operands(prompt: str) -> tuple[str, str]:
        a, b = prompt.rstrip("=").split("+")
        return a, b

    def answer(self, prompt: str) -> str:
        a, b = self._operands(prompt)
        return str(int(a) + int(b))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        longest = max(map(len, self._operands(prompt)))
        return longest, longest + 1

    def num_distinct(self, difficulty: int) -> float:
        return float(9 * 10 ** (difficulty - 1)) ** 2
