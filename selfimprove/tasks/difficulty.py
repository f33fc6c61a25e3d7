"""Difficulties, ranges of them, and the schedule of which difficulties each round labels.

A task's difficulty has one axis (an int: digits, string length) or two (a pair:
multiplication's operand lengths, the maze's nodes and hops). Tables store it in two int
columns, `difficulty` and `difficulty2` (0 for one-axis tasks).

The schedule is data in the config (`self_improve`):

* `difficulty_step`: the model of round r labels `base_max + (r + 1) * step` (one difficulty
  per round; `step` is an int, or a pair for two-axis tasks, e.g. [0, 1] for "one more hop");
* `schedule`: an explicit list, entry r = the difficulties round r's model labels, any number
  of them (multiplication's "(1,6) and (6,1), then (2,6) and (6,2), ...").

Everything here is plain Python, used both by the Snakefile (at parse time) and the package.
"""

from __future__ import annotations

import itertools
import random

from selfimprove.tasks import Task
from selfimprove.workflow.config_check import ConfigError


class DifficultyError(ConfigError):
    """A difficulty in the config does not fit the task; names the config key."""


def parse(task: Task, value, key: str = "difficulty"):
    """A config value -> the task's difficulty (int for one axis, tuple for several)."""
    axes = len(task.axes)
    if axes == 1:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DifficultyError(key, f"a difficulty of task {task.name!r} is one integer ({task.difficulty_unit}), got {value!r}")
        return value
    if not (isinstance(value, (list, tuple)) and len(value) == axes and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise DifficultyError(key, f"a difficulty of task {task.name!r} is a list of {axes} integers {list(task.axes)}, got {value!r}")
    return tuple(value)


def columns(difficulty) -> tuple[int, int]:
    """The (difficulty, difficulty2) table columns of a difficulty."""
    return (int(difficulty), 0) if isinstance(difficulty, int) else (int(difficulty[0]), int(difficulty[1]))


def from_columns(task: Task, d1, d2):
    return int(d1) if len(task.axes) == 1 else (int(d1), int(d2))


def between(task: Task, lo, hi) -> list:
    """Every difficulty from lo to hi inclusive (for two axes: the rectangle, row by row)."""
    if len(task.axes) == 1:
        return list(range(lo, hi + 1))
    return list(itertools.product(*(range(a, b + 1) for a, b in zip(lo, hi))))


def shift(task: Task, difficulty, step, times: int):
    if len(task.axes) == 1:
        return difficulty + step * times
    return tuple(d + s * times for d, s in zip(difficulty, step))


def labelled(task: Task, self_improve: dict, base_hi, round_: int) -> list:
    """The difficulties round `round_`'s model labels (its labels train round `round_ + 1`)."""
    explicit = self_improve.get("schedule")
    if explicit:
        if round_ >= len(explicit):
            raise DifficultyError("self_improve.schedule", f"lists {len(explicit)} rounds; round {round_} needs an entry")
        return [parse(task, d, "self_improve.schedule") for d in explicit[round_]]
    step = parse(task, self_improve["difficulty_step"], "self_improve.difficulty_step")
    return [shift(task, base_hi, step, round_ + 1)]


def self_improvement(config: dict) -> dict | None:
    """The config's `self_improve` block; None for a sweep, which trains once and labels nothing,
    and for introspection, whose iterations have their own block."""
    return None if "sweep" in config or "introspection" in config else config["self_improve"]


def check_config(task: Task, config: dict) -> None:
    """Every difficulty-valued key fits the task, ranges are not empty, the schedule covers the rounds
    (a sweep has no rounds and no schedule)."""
    data, si = config["data"], self_improvement(config)
    for key in ("base_difficulty", "eval_difficulties"):
        lo, hi = (parse(task, v, f"data.{key}") for v in data[key])
        if min(columns(lo)[: len(task.axes)]) < 1:
            raise DifficultyError(f"data.{key}", f"difficulties start at 1, got {data[key]}")
        if not between(task, lo, hi):
            raise DifficultyError(f"data.{key}", f"{data[key]} is empty: the first value must not exceed the second")
    base_hi = parse(task, data["base_difficulty"][1])
    if si is None:
        return
    if si.get("schedule"):
        if len(si["schedule"]) < config["rounds"]:
            raise DifficultyError(
                "self_improve.schedule",
                f"has {len(si['schedule'])} entries (one per round), but rounds={config['rounds']} needs {config['rounds']}",
            )
        for r in range(config["rounds"]):
            if not si["schedule"][r]:
                raise DifficultyError("self_improve.schedule", f"entry {r} is empty")
            labelled(task, si, base_hi, r)
    else:
        step = columns(parse(task, si["difficulty_step"], "self_improve.difficulty_step"))[: len(task.axes)]
        if min(step) < 0 or max(step) < 1:
            raise DifficultyError("self_improve.difficulty_step", f"{si['difficulty_step']} must be >= 0 on every axis and > 0 on one")


def hardest(task: Task, config: dict) -> list:
    """The hardest difficulties the experiment trains, labels or evaluates (at most one per source)."""
    data, si = config["data"], self_improvement(config)
    base_hi = parse(task, data["base_difficulty"][1])
    found = [base_hi, parse(task, data["eval_difficulties"][1])]
    if si is None:  # a sweep: trained and evaluated, never labelled
        return found
    accelerated = si.get("accelerated")
    if accelerated:  # at most max_jump new difficulties per round
        found.append(shift(task, base_hi, 1, accelerated["max_jump"] * config["rounds"]))
    else:
        found.extend(labelled(task, si, base_hi, config["rounds"] - 1))
    return found


def longest_sequence(task: Task, config: dict, samples: int = 20) -> int:
    """Tokens of the longest [BOS] prompt answer [EOS] the experiment can meet (sampled)."""
    rng = random.Random(0)
    longest = 0
    for d in hardest(task, config):
        for _ in range(samples):
            prompt = task.sample(rng, d).prompt
            longest = max(longest, len(prompt) + task.answer_lengths(prompt)[1] + 2)
    return longest


def check_context(task: Task, config: dict, max_seq_len: int) -> None:
    """The hardest example fits in the model's context (`model.max_seq_len`)."""
    if task.packed_context and task.packed_context > max_seq_len:
        raise DifficultyError(
            "model.max_seq_len",
            f"{max_seq_len} tokens cannot hold a packed training sequence of task_options.context={task.packed_context} tokens",
        )
    need = longest_sequence(task, config)
    if need > max_seq_len:
        raise DifficultyError(
            "model.max_seq_len",
            f"{max_seq_len} tokens cannot hold the experiment's hardest examples ({need} tokens at difficulty {hardest(task, config)}); raise model.max_seq_len or lower the difficulties",
        )
