"""Writing a file so that its final name never holds a half-written file."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside `path` (same extension); the block writes it (a file or
    a directory), and only a block that completes renames it onto `path`. On an error the
    temporary is removed; a killed process leaves only `<name>.tmp<ext>`, which no rule takes
    as an output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
    try:
        yield tmp
        if tmp.is_dir() and path.is_dir():
            shutil.rmtree(path)  # a directory cannot be renamed onto a non-empty one
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        else:
            tmp.unlink(missing_ok=True)
