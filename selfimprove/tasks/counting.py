"""Counting (RASP-L's `count`, Zhou et al. 2023): from a start number to an end number.

    line     SoS 5 9 > 5 6 7 8 9 EoS          (counting_both also counts down: SoS 12 9 > 12 11 10 9 EoS)
    prompt   5 9 >                            (the sequence's [BOS] is SoS, its [EOS] is EoS)
    target   5 6 7 8 9

Every integer 0..MAX_NUMBER is one token. Internally a number is one character,
`chr(SYMBOL_BASE + n)`, so the character tokenizer gives it exactly one token; tables hold the
text as above (`to_text`: '5 9 >', '5 6 7 8 9'), and `render` writes a whole line the way papers do. Difficulty n = how many numbers the answer holds; the
whole line is n + 5 tokens. Starts are drawn over the full number range at every length,
so every integer a long test line uses also appears in short training lines.

Two protocols (task option `context`): one line per training sequence (None), or lines packed into
a context of `context` tokens, so that absolute positions up to it are trained (see Counting).
"""

from __future__ import annotations

import random

from selfimprove.engine.tokenizer import EOS_CHAR
from selfimprove.tasks.base import Example, Task, number, symbol

MAX_NUMBER = 160  # room for counts of 150 (the reference re-implementation's longest test lines) at any start
ARROW = ">"
NEXT_LINE = EOS_CHAR  # between lines of a packed context: [EOS] ends a line as at evaluation, the next starts after it


class Counting(Task):
    name = "counting"
    VERSION = 4  # 2: the packed-context protocol (`context`); 3: its lines end with [EOS], trained; 4: tables hold text
    alphabet = ARROW + "".join(symbol(n) for n in range(MAX_NUMBER + 1))
    difficulty_unit = "numbers counted = line length - 5 tokens"
    directions = ("up",)

    def __init__(self, context: int | None = None):
        """`context`: tokens of a packed training sequence. None: one line per sequence, so absolute
        positions past the longest training line are never trained. An int: round-0 data packs lines
        of the base counts back to back ([EOS] ends one, the next starts after it) until the next would
        not fit, as LLM pre-training fills its context; every line's answer and [EOS] are trained, and
        the RASP-L program keys on the most recent start. Evaluation lines stand alone."""
        if context is not None and context < 8:
            raise ValueError(f"counting's context must hold a line (at least 8 tokens), got {context}")
        self.packed_context = context

    def sample_base(self, rng: random.Random, lo: int, hi: int) -> Example:
        """One line with a count drawn from lo..hi; with `context`, a packed sequence of such lines,
        its difficulty the last line's."""
        if self.packed_context is None:
            return super().sample_base(rng, lo, hi)
        lines = [super().sample_base(rng, lo, hi)]
        used = len(lines[0].prompt) + len(lines[0].target) + 2  # [BOS] ... [EOS]
        while True:
            nxt = super().sample_base(rng, lo, hi)
            if used + len(nxt.prompt) + len(nxt.target) + 1 > self.packed_context - 1:  # one token spare under the context
                break
            lines.append(nxt)
            used += len(nxt.prompt) + len(nxt.target) + 1
        earlier = "".join(line.prompt + line.target + NEXT_LINE for line in lines[:-1])
        return Example(earlier + lines[-1].prompt, lines[-1].target, lines[-1].difficulty)

    def prompt_keys(self, prompt: str) -> list[str]:
        """The single-line prompts of every line a (packed) prompt holds: none may be held out."""
        return [line[:2] + ARROW for line in prompt.split(NEXT_LINE)]

    def supervised_in_prompt(self, prompt: str) -> list[bool] | None:
        """The answers of the earlier lines of a packed sequence and the [EOS] after each, as every
        line of an evaluation ends (the last line's answer and [EOS] are the example's target)."""
        if NEXT_LINE not in prompt:
            return None
        mask = []
        for line in prompt.split(NEXT_LINE)[:-1]:
            mask += [False, False, False] + [True] * (len(line) - 3) + [True]
        return mask + [False] * 3

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
        """The last line's count (the only line of an unpacked prompt)."""
        prompt = prompt.rsplit(NEXT_LINE, 1)[-1]
        start, end = number(prompt[0]), number(prompt[1])
        step = 1 if end >= start else -1
        return "".join(symbol(k) for k in range(start, end + step, step))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        prompt = prompt.rsplit(NEXT_LINE, 1)[-1]
        n = abs(number(prompt[1]) - number(prompt[0])) + 1
        return n, n

    def num_distinct(self, difficulty: int) -> float:
        starts = MAX_NUMBER - difficulty + 2
        return float(starts * (len(self.directions) if difficulty > 1 else 1))

    def to_text(self, tokens: str) -> str:
        """'5 9 > 5 6 7 8 9': numbers as digits, words separated by spaces; 'EoS' between the lines of a packed prompt."""
        return " ".join(ARROW if c == ARROW else "EoS" if c == NEXT_LINE else str(number(c)) for c in tokens)

    def from_text(self, text: str) -> str:
        return "".join(ARROW if w == ARROW else NEXT_LINE if w == "EoS" else symbol(int(w)) for w in text.split())

    @staticmethod
    def render(prompt: str, answer: str = "") -> str:
        """The line as text: 'SoS 5 9 > 5 6 7 8 9 EoS' (without EoS while the answer is unfinished);
        a packed sequence's lines follow one another: '... 9 EoS SoS 3 4 > ...'."""
        words = ["SoS", *(c if c == ARROW else "EoS SoS" if c == NEXT_LINE else str(number(c)) for c in prompt + answer)]
        return " ".join(words + (["EoS"] if answer else []))


class CountingBoth(Counting):
    """Counting up or down, with equal probability (the reference re-implementation's extension)."""

    name = "counting_both"
    directions = ("up", "down")
