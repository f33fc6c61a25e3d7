"""The task registry: one module per task, one line per task here."""

from __future__ import annotations

from .base import Example, Task
from .copy import Copy
from .counting import Counting, CountingBoth
from .forward_addition import ForwardAddition
from .maze import Maze
from .multiplication import Multiplication
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
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]()
    except KeyError:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(TASKS))}") from None


__all__ = ["TASKS", "Example", "Task", "get_task"]
