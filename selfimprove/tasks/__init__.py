"""The task registry: one module per task, one line per task here."""

from __future__ import annotations

from .base import Example, Task
from .copy import Copy
from .reverse_addition import ReverseAddition

TASKS: dict[str, type[Task]] = {
    "reverse_addition": ReverseAddition,
    "copy": Copy,
}


def get_task(name: str) -> Task:
    try:
        return TASKS[name]()
    except KeyError:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(TASKS))}") from None


__all__ = ["TASKS", "Example", "Task", "get_task"]
