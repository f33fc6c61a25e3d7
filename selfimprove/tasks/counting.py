"""Counting (RASP-L's `count`, Zhou et al. 2023): from a start number to an end number.

    line     SoS 5 9 > 5 6 7 8 9 EoS          (counting_both also counts down: SoS 12 9 > 12 11 10 9 EoS)
    prompt   5 9 >                            (the sequence's [BOS] is SoS, its [EOS] is EoS)
    target   5 6 7 8 9

Every integer 0..MAX_NUMBER is one token. Internally a number is one character,
`chr(SYMBOL_BASE + n)`, so the character tokenizer gives it exactly one token; `render`
writes a line the way papers do. Difficulty n = how many numbers the answer holds; the
whole line is n + 5 tokens. Starts are drawn over the full number range at every length,
so every integer a long test line uses also appears in short training lines.
"""

from __future__ import annotations

import random

from .base import Example, Task

MAX_NUMBER = 160  # room for counts of 150 (the seed's longest test lines) at any start
SYMBOL_BASE = 0x100  # 'Ā': clear of ASCII, so numbers never collide with '>'
ARROW = ">"


def symbol(n: int) -> str:
    return chr(SYMBOL_BASE + n)


def number(c: str) -> int:
    return ord(c) - SYMBOL_BASE


class Counting(Task):
    name = "counting"
    VERSION = 1
    alphabet = ARROW + "".join(symbol(n) for n in range(MAX_NUMBER + 1))
    difficulty_unit = "numbers counted = line length - 5 tokens"
    directions = ("up",)

    def sample(self, rng: random.Random, difficulty: int) -> Example:
        n = difficulty
        if not 1 <= n <= MAX_NUMBER + 1:
            raise ValueError(f"a count holds 1..{MAX_NUMBER + 1} numbers, got {n}")
        start = rng.randint(0, MAX_NUMBER - n + 1)
        end = start + n - 1
        if rng.choice(self.directions) == "down":
            start, end = end, start
        prompt = symbol(start) + symbol(end) + ARROW
        return Example(prompt, self.answer(prompt), difficulty)

    def answer(self, prompt: str) -> str:
        start, end = number(prompt[0]), number(prompt[1])
        step = 1 if end >= start else -1
        return "".join(symbol(k) for k in range(start, end + step, step))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        n = abs(number(prompt[1]) - number(prompt[0])) + 1
        return n, n

    def num_distinct(self, difficulty: int) -> float:
        starts = MAX_NUMBER - difficulty + 2
        return float(starts * (len(self.directions) if difficulty > 1 else 1))

    @staticmethod
    def render(prompt: str, answer: str = "") -> str:
        """The line as text: 'SoS 5 9 > 5 6 7 8 9 EoS' (without EoS while the answer is unfinished)."""
        words = ["SoS", *(ARROW if c == ARROW else str(number(c)) for c in prompt + answer)]
        return " ".join(words + (["EoS"] if answer else []))


class CountingBoth(Counting):
    """Counting up or down, with equal probability (the seed re-implementation's extension)."""

    name = "counting_both"
    directions = ("up", "down")
