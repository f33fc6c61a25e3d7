"""Sparse parity with chain of thought (Abedsoltan et al. 2025, task generalization with ARC structure).

A task is a secret tuple S of k coordinates of x in {0,1}^d. One segment, d=5, k=2, S=(1,3):

    x 10110 | separator 0 | c1 = x[1] = 0, c2 = c1 xor x[3] = 1      segment '10110001'

With cot=False the segment ends with the parity c_k alone. A sequence holds N segments of the
same task with fresh uniform x; S is never shown, so the model infers it from the N-1 earlier
segments (in-context learning). Difficulty = N. The prompt is the N-1 full segments, then the
query's x and separator; the target is the query's c_1..c_k (or c_k). Training also predicts
the separator and chain-of-thought bits of every in-context segment (`supervised_in_prompt`).

Options: d, k; cot; sorted_tuples (tasks are sorted k-subsets of range(d), else ordered
k-tuples of distinct coordinates); the task split: n_test_tasks (default half of them) drawn from all tuples (the same for
every n_train_tasks), then the first n_train_tasks of a shuffle of the rest (split_seed); exclude, tuples kept out of training only:
{"missing_coordinate": [c, v]} (coordinate v at 1-based position c) or {"missing_pair": [v1, v2]}
(both v1 and v2); separator, one character ('0' as in the reference code: a bit known by position).
"""

from __future__ import annotations

import itertools
import random

import numpy as np

from selfimprove.tasks.base import Example, Task

EXCLUSIONS = ("missing_coordinate", "missing_pair")


def cot_bits(x: str, task: tuple[int, ...]) -> str:
    """The running parity c_1..c_k of bit string x over the tuple's coordinates, in tuple order."""
    bits, c = [], 0
    for s in task:
        c ^= int(x[s])
        bits.append(str(c))
    return "".join(bits)


class SparseParity(Task):
    name = "sparse_parity"
    VERSION = 2  # 2: test tasks independent of n_train_tasks, nested training tasks
    difficulty_unit = "segments in context"

    def __init__(
        self,
        d: int = 10,
        k: int = 2,
        cot: bool = True,
        sorted_tuples: bool = True,
        n_train_tasks: int = 10,
        n_test_tasks: int | None = None,
        split_seed: int = 0,
        exclude: dict | None = None,
        separator: str = "0",
    ):
        if not 1 <= k <= d:
            raise ValueError(f"sparse_parity needs 1 <= k <= d, got k={k}, d={d}")
        if not (isinstance(separator, str) and len(separator) == 1):
            raise ValueError(f"sparse_parity's separator must be one character, got {separator!r}")
        self.d, self.k, self.cot, self.sorted_tuples, self.separator = d, k, bool(cot), bool(sorted_tuples), separator
        self.alphabet = "01" + ("" if separator in "01" else separator)
        self.m = k if self.cot else 1  # answer bits per segment
        self.segment_length = d + 1 + self.m
        self.exclude = self._check_exclude(exclude)

        tuples = list((itertools.combinations if self.sorted_tuples else itertools.permutations)(range(d), k))
        total = len(tuples)
        n_test_tasks = total // 2 if n_test_tasks is None else n_test_tasks  # default: half of the tuples
        if n_train_tasks < 1 or n_test_tasks < 1:
            raise ValueError(f"n_train_tasks and n_test_tasks must be >= 1, got {n_train_tasks}, {n_test_tasks}")
        if n_test_tasks >= total:
            raise ValueError(f"n_test_tasks={n_test_tasks} leaves no training task: d={d}, k={k} has {total} tuples")
        # The test tasks depend on (d, k, split_seed, n_test_tasks) only, so every variant of a sweep over
        # n_train_tasks is scored on the same tasks; the training tasks are nested (8 of them are the first 8 of 16).
        rng = random.Random(f"parity-split:{split_seed}")
        self.test_tasks = sorted(rng.sample(tuples, n_test_tasks))
        held_out = set(self.test_tasks)
        pool = [t for t in tuples if t not in held_out and not self.affected(t)]
        if len(pool) < n_train_tasks:
            raise ValueError(
                f"n_train_tasks={n_train_tasks} exceeds the {len(pool)} tuples left after the "
                f"{len(self.test_tasks)} test tasks and exclude={exclude}; lower n_test_tasks or n_train_tasks"
            )
        rng.shuffle(pool)
        self.train_tasks = sorted(pool[:n_train_tasks])
        self.n_tasks = total
        self._tuples = np.array(tuples, dtype=np.intp)  # every tuple, for `answer`

    def _check_exclude(self, exclude) -> tuple[str, tuple[int, int]] | None:
        if not exclude:
            return None
        if not isinstance(exclude, dict) or len(exclude) != 1 or next(iter(exclude)) not in EXCLUSIONS:
            raise ValueError(
                f"exclude must be None or one of {{'missing_coordinate': [c, v]}}, {{'missing_pair': [v1, v2]}}, got {exclude!r}"
            )
        kind, value = next(iter(exclude.items()))
        if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value)):
            raise ValueError(f"exclude {kind} takes two integers, got {value!r}")
        a, b = value
        if kind == "missing_coordinate" and not (1 <= a <= self.k and 0 <= b < self.d):
            raise ValueError(f"exclude missing_coordinate [c, v] needs 1 <= c <= k={self.k} and 0 <= v < d={self.d}, got {value}")
        if kind == "missing_pair" and not (self.k >= 2 and a != b and 0 <= a < self.d and 0 <= b < self.d):
            raise ValueError(f"exclude missing_pair [v1, v2] needs k >= 2 and distinct coordinates in 0..{self.d - 1}, got {value}")
        return kind, (a, b)

    def affected(self, task: tuple[int, ...]) -> bool:
        """Whether the exclusion keeps this tuple out of training (False without an exclusion)."""
        if self.exclude is None:
            return False
        kind, (a, b) = self.exclude
        return task[a - 1] == b if kind == "missing_coordinate" else a in task and b in task

    # ------------------------------------------------------------------ sampling

    def segment(self, x: str, task: tuple[int, ...]) -> str:
        """x, the separator, then the chain of thought (or the parity alone)."""
        return x + self.separator + cot_bits(x, task)[-self.m :]

    def sample_for(self, rng: random.Random, task: tuple[int, ...], n_segments: int, group: str = "") -> Example:
        """A sequence of `n_segments` segments of a given task, the last one the query."""
        if n_segments < 1:
            raise ValueError(f"a sparse parity sequence needs at least one segment, got {n_segments}")
        xs = [format(rng.getrandbits(self.d), f"0{self.d}b") for _ in range(n_segments)]
        prompt = "".join(self.segment(x, task) for x in xs[:-1]) + xs[-1] + self.separator
        return Example(prompt, cot_bits(xs[-1], task)[-self.m :], n_segments, group)

    def sample(self, rng: random.Random, difficulty: int) -> Example:
        """A sequence of a test task (never trained on)."""
        task = rng.choice(self.test_tasks)
        group = "unseen" if self.exclude is None else "affected" if self.affected(task) else "unaffected"
        return self.sample_for(rng, task, difficulty, group)

    def sample_base(self, rng: random.Random, lo: int, hi: int) -> Example:
        """A sequence of a training task."""
        return self.sample_for(rng, rng.choice(self.train_tasks), rng.randint(lo, hi))

    # ------------------------------------------------------------------ ground truth

    def _parse(self, prompt: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The in-context x's (n, d), their answer bits (n, m), and the query's x (d,)."""
        L, d = self.segment_length, self.d
        n, rest = divmod(len(prompt) - d - 1, L)
        if len(prompt) < d + 1 or rest:
            raise ValueError(f"not a sparse parity prompt (d={d}, segment length {L}): {prompt!r}")
        chars = list(prompt)
        if set(chars[d::L]) != {self.separator}:
            raise ValueError(f"not a sparse parity prompt (a separator is missing): {prompt!r}")
        chars[d::L] = ["0"] * (n + 1)
        if not set(chars) <= {"0", "1"}:
            raise ValueError(f"not a sparse parity prompt (a character that is not a bit): {prompt!r}")
        bits = np.frombuffer("".join(chars).encode(), dtype=np.uint8) - ord("0")
        segments = bits[: n * L].reshape(n, L)
        return segments[:, :d], segments[:, d + 1 :], bits[n * L : n * L + d]

    def answer(self, prompt: str) -> str:
        """The query's answer, inferred from the prompt alone: every tuple of the family that fits
        all in-context segments must give the same answer, else the prompt is ambiguous."""
        xs, ys, query = self._parse(prompt)
        T = self._tuples
        running = np.cumsum(xs[:, T], axis=2) % 2  # (segments, tuples, k)
        fits = (running[:, :, self.k - self.m :] == ys[:, None, :]).all(axis=(0, 2))
        answers = np.unique((np.cumsum(query[T[fits]], axis=1) % 2)[:, self.k - self.m :], axis=0)
        if len(answers) == 0:
            raise ValueError("inconsistent sparse parity prompt: no tuple fits its segments")
        if len(answers) > 1:
            raise ValueError(f"ambiguous sparse parity prompt: {int(fits.sum())} tuples fit and disagree on the answer")
        return "".join(map(str, answers[0]))

    def answer_lengths(self, prompt: str) -> tuple[int, int]:
        return self.m, self.m

    def final_answer(self, answer: str) -> str:
        """The query's parity c_k: the last of its m answer bits (with or without chain of thought)."""
        return answer[self.m - 1 : self.m]

    def chance_accuracy(self, prompt: str) -> float:
        """Uniform guessing of the query's m bits."""
        return 0.5**self.m

    def supervised_in_prompt(self, prompt: str) -> list[bool]:
        """The separator and answer bits of every in-context segment, and the query's separator."""
        L, d = self.segment_length, self.d
        n = (len(prompt) - d - 1) // L
        return [i % L >= d for i in range(n * L)] + [False] * d + [True]
