"""Reverse addition: operands and sum written least-significant digit first.

    a=12345, b=678    prompt '54321+876='   target '320310'
    a=999,   b=1      prompt '999+1='       target '0001'

The sum is right-padded with '0' to max(len a, len b) + 1 digits, so the answer length
follows from the prompt. Difficulty n = number of digits of each operand; evaluation and
self-labelling use two n-digit operands, base training data draws both lengths
independently (as the paper's generator does).
"""

from __future__ import annotations

import random

from selfimprove.tasks.base import Example, Task, digit_string


class ReverseAddition(Task):
    name = "reverse_addition"
    VERSION = 1
    alphabet = "0123456789+="
    difficulty_unit = "digits per operand"

    def prompt_of(self, a: str, b: str) -> str:
        """The prompt of operands a, b (most significant digit first); forward addition overrides it."""
        return f"{a[::-1]}+{b[::-1]}="

    def _example(self, a: str, b: str) -> Example:
        prompt = self.prompt_of(a, b)
        return Example(prompt, self.answer(prompt), max(len(a), len(b)))

    def sample(self, rng: random.Random, difficulty: int) -> Example:
        return self._example(digit_string(rng, difficulty), digit_string(rng, difficulty))

    def sample_base(self, rng: random.Random, lo: int, hi: int) -> Example:
        return self._example(digit_string(rng, rng.randint(lo, hi)), digit_string(rng, rng.randint(lo, hi)))

    def answer(self, prompt: str) -> str:
        ra, rb = prompt.rstrip("=").split("+")
        total = str(int(ra[::-1]) + int(rb[::-1]))[::-1]
        return total.ljust(self.target_length(prompt), "0")

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        ra, rb = prompt.rstrip("=").split("+")
        n = max(len(ra), len(rb)) + 1
        return n, n

    def num_distinct(self, difficulty: int) -> float:
        return float(9 * 10 ** (difficulty - 1)) ** 2
