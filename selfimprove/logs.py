"""Sending a stage's progress bars and log records to its log file."""

from __future__ import annotations

import contextlib
import logging
import sys


@contextlib.contextmanager
def log_to(path):
    """Within the block, stderr (tqdm) and logging records go to `path`.

    An exception is logged with its traceback before it propagates, so the job's log
    always says why the job failed.
    """
    with open(path, "w", buffering=1) as fh, contextlib.redirect_stderr(fh):
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield
        except BaseException:
            logging.exception("stage failed")
            raise
        finally:
            root.removeHandler(handler)


def optional_input(value) -> list[str]:
    """A named Snakemake input that may be absent: [] or [path] (Snakemake gives one path as a str)."""
    return [value] if isinstance(value, str) else list(value)
