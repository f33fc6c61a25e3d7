"""The task registry: one module per task, one line per task here.

A task outside the package is named `module:Class` in the config's `task:` (a module importable from
the workflow's directory, e.g. `my_tasks:Palindrome` for ./my_tasks.py); nothing here needs editing.
"""

from __future__ import annotations

import importlib
import os
import sys

from selfimprove.tasks.base import Example, Task
from selfimprove.tasks.copy import Copy
from selfimprove.tasks.counting import Counting, CountingBoth
from selfimprove.tasks.forward_addition import ForwardAddition
from selfimprove.tasks.maze import Maze
from selfimprove.tasks.multiplication import Multiplication
from selfimprove.tasks.parity import SparseParity
from selfimprove.tasks.reverse import Reverse
from selfimprove.tasks.reverse_addition import ReverseAddition

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


def task_class(name: str) -> type[Task]:
    """A built-in task by its name, or a plugin's class by `module:Class`."""
    if ":" in name:
        return plugin_class(name)
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(TASKS))}, or a plugin as module:Class")
    return TASKS[name]


def plugin_class(name: str) -> type[Task]:
    module_name, _, class_name = name.partition(":")
    if os.getcwd() not in sys.path:  # the workflow's directory: where a user's task module sits
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"task {name!r}: cannot import module {module_name!r} ({err})") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise ValueError(f"task {name!r}: {module_name}.{class_name} is not a subclass of selfimprove.tasks.Task")
    return cls


def get_task(name: str, options: dict | None = None) -> Task:
    """The task `name` (built-in, or `module:Class`), built with the config's `task_options` (most tasks take none)."""
    cls = task_class(name)
    try:
        return cls(**(options or {}))
    except TypeError as err:  # an option the task does not take
        raise ValueError(f"task {name!r} does not accept options {sorted(options or {})}: {err}") from None


__all__ = ["TASKS", "Example", "Task", "get_task"]
