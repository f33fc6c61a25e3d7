"""The contract every task implements.

A task turns a seeded random generator and a difficulty into an `Example`, knows the
ground-truth answer of any prompt it can produce, and states the *length rule* the
length filter applies: the answer lengths a prompt admits, computed from the prompt
alone (never from a hidden answer).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass

SYMBOL_BASE = 0x100  # 'Ā': clear of ASCII, so a number's character never collides with punctuation


def symbol(n: int) -> str:
    """The one character (so the one token) of the integer n, for tasks whose numbers are single tokens."""
    return chr(SYMBOL_BASE + n)


def number(c: str) -> int:
    return ord(c) - SYMBOL_BASE


@dataclass(frozen=True)
class Example:
    prompt: str
    target: str
    difficulty: int
    # Which evaluation population the example belongs to, for tasks that report several
    # (sparse parity: tasks 'unseen' in training, or 'affected' / 'unaffected' by an
    # exclusion); '' for tasks with one population.
    group: str = ""


class Task(ABC):
    name: str
    # Bump when the text format or the sampling changes: workflow rules pass it as a param,
    # so Snakemake re-runs what depends on a task whose output changed.
    VERSION: int = 1
    # Every character a prompt or target of this task may contain (the tokenizer's vocabulary).
    alphabet: str
    # What one unit of difficulty is, for axis labels.
    difficulty_unit: str = "difficulty"
    # The difficulty's axes. One axis: a difficulty is an int. Several (multiplication's two
    # operand lengths, the maze's nodes and hops): a difficulty is a tuple of ints.
    axes: tuple[str, ...] = ("difficulty",)
    # Tokens of a training sequence that packs several examples (counting's `context` option), else None.
    packed_context: int | None = None

    @abstractmethod
    def sample(self, rng: random.Random, difficulty: int) -> Example:
        """One example at exactly `difficulty` (used for evaluation and self-labelling)."""

    @abstractmethod
    def answer(self, prompt: str) -> str:
        """The ground-truth target of `prompt`."""

    @abstractmethod
    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        """The shortest and longest answer `prompt` admits, in characters (the length rule).

        Computed from the prompt alone. Most tasks fix the length exactly (lo == hi);
        forward addition leaves the final carry open.
        """

    def target_length(self, prompt: str) -> int:
        """The longest admissible answer: the generation budget (plus one for [EOS])."""
        return self.answer_lengths(prompt)[1]

    def sample_base(self, rng: random.Random, lo: int, hi: int) -> Example:
        """One training example with difficulty drawn from lo..hi (inclusive)."""
        return self.sample(rng, rng.randint(lo, hi))

    def num_distinct(self, difficulty: int) -> float:
        """How many distinct prompts exist at `difficulty` (inf when not worth counting)."""
        return float("inf")

    def prompt_keys(self, prompt: str) -> list[str]:
        """The prompts a training prompt contains, as evaluation and validation tables write them:
        itself, or, for a task that packs several examples into one sequence (counting with a
        `context`), each of them. A training prompt is held out when any key is."""
        return [prompt]

    def chance_accuracy(self, prompt: str) -> float | None:
        """Exact match a uniform guess of the answer would reach, where that is a useful
        reference (sparse parity: 2^-bits); None where it is negligible."""
        return None

    def final_answer(self, answer: str) -> str | None:
        """The part of an answer that is scored alone beside exact match (sparse parity: its last bit, the
        parity itself, whatever the chain of thought before it), or None for a task without one."""
        return None

    def validity(self, prompt: str, answer: str) -> dict[str, bool] | None:
        """Checks of an answer that need no ground truth, by name starting 'valid_' (the maze's: format, every move
        an edge, right endpoints), or None for a task without them. Evaluation reports each beside
        exact match; the `valid` filter (an oracle verifier) keeps answers that pass them all."""
        return None

    def to_text(self, tokens: str) -> str:
        """How a string of this task's tokens reads in a table (prompts, targets, predictions); `from_text`
        inverts it. The identity for tasks whose characters are their tokens; counting and the maze write
        each one-token number as its digits."""
        return tokens

    def from_text(self, text: str) -> str:
        return text

    def supervised_in_prompt(self, prompt: str) -> list[bool] | None:
        """Which prompt characters training also predicts (besides the whole target), or None
        for none. Sparse parity supervises the separator and chain-of-thought bits of every
        in-context segment, as its reference code does; other tasks learn the answer only."""
        return None


def digit_string(rng: random.Random, n: int) -> str:
    """A random n-digit number as text: no leading zero, as in the paper's generator."""
    if n < 1:
        raise ValueError(f"a number needs at least one digit, got {n}")
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))
