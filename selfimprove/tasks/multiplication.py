"""Multiplication with the paper's chain of thought; difficulty is the pair of operand lengths.

Operands are written least-significant digit first. The answer lists the partial products
c_i = b_i * a * 10**i (b_i the i-th digit of b from the right), each reversed and
right-padded with '0' to len(a) + i + 1 characters, joined by '+'. After every partial
product but the first and the last, the running sum c_0 + ... + c_i follows in parentheses,
padded the same way. Then '=' and the product, reversed and padded to len(a) + len(b).

    a=45, b=123        prompt '54*321='       target '531+0090(5301)+00540=53550'
    a=12, b=3          prompt '21*3='         target '630=630'

Every piece is padded, so a prompt fixes its answer's length exactly.
"""

from __future__ import annotations

import random

from selfimprove.tasks.base import Example, Task, digit_string


def _rev_padded(value: int, width: int) -> str:
    return str(value)[::-1].ljust(width, "0")


class Multiplication(Task):
    name = "multiplication"
    VERSION = 1
    alphabet = "0123456789*=+()"
    difficulty_unit = "digits of a, digits of b"
    axes = ("digits of a", "digits of b")

    def sample(self, rng: random.Random, difficulty) -> Example:
        la, lb = difficulty
        a, b = digit_string(rng, la), digit_string(rng, lb)
        prompt = f"{a[::-1]}*{b[::-1]}="
        return Example(prompt, self.answer(prompt), (la, lb))

    def sample_base(self, rng: random.Random, lo, hi) -> Example:
        """Both lengths drawn independently from lo..hi (per axis when given as pairs)."""
        lo, hi = (lo, lo) if isinstance(lo, int) else lo, (hi, hi) if isinstance(hi, int) else hi
        return self.sample(rng, (rng.randint(lo[0], hi[0]), rng.randint(lo[1], hi[1])))

    def answer(self, prompt: str) -> str:
        ra, rb = prompt.rstrip("=").split("*")
        a, la = int(ra[::-1]), len(ra)
        pieces, running = [], 0
        for i, digit in enumerate(rb):  # rb is b least-significant digit first
            partial = int(digit) * a * 10**i
            running += partial
            piece = _rev_padded(partial, la + i + 1)
            if 1 <= i <= len(rb) - 2:
                piece += f"({_rev_padded(running, la + i + 1)})"
            pieces.append(piece)
        return "+".join(pieces) + "=" + _rev_padded(a * int(rb[::-1]), la + len(rb))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        la, lb = map(len, prompt.rstrip("=").split("*"))
        partials = sum(la + i + 1 for i in range(lb))
        sums = sum(la + i + 3 for i in range(1, lb - 1))
        n = partials + (lb - 1) + sums + 1 + la + lb
        return n, n

    def num_distinct(self, difficulty) -> float:
        la, lb = difficulty
        return float(9 * 10 ** (la - 1)) * float(9 * 10 ** (lb - 1))
