"""The task registry: one module per task, one line per task here."""

from __future__ import annotations

from .base import Example, Task
from .copy import Copy
from .counting import Counting, CountingBoth
from .forward_addition import ForwardAddition
from .maze import Maze
from .multiplication import Multiplication
from .parity import SparseParity
from .reverse import Reverse
from .reverse_addition import ReverseAddition

TASKS: dict[str, type[Task]] = {
    "reverse_addition": ReverseAddition,
    "forward_addition": ForwardAddition,
    "copy": Copy,
    "reverse": Reverse,
    "multiplication": Multiplication,
    "maze": Maze,
    "counting": Counting,
    "counting_both": CountingBoth,
    "sparse_parity": SparseParity,
}


def get_task(name: str, options: dict | None = None) -> Task:
    """The task `name`, built with the config's `task_options` (most tasks take none)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(TASKS))}")
    try:
        return TASKS[name](**(options or {}))
    except TypeError as err:  # an option the task does not take
        raise ValueError(f"task {name!r} does not accept options {sorted(options or {})}: {err}") from None


__all__ = ["TASKS", "Example", "Task", "get_task"]
