"""Sending a stage's progress bars and log records to its log file."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys

from selfimprove.workflow.errors import ACTIONABLE


@contextlib.contextmanager
def log_to(path):
    """Within the block, stderr (tqdm) and logging records go to `path`.

    The log starts with where the job ran (host, Slurm job, visible GPUs). An exception is
    logged before it propagates, so the job's log always says why the job failed: errors a
    user can act on (errors.ACTIONABLE: a corrupted input, a diverged or interrupted
    training) end the job with their message alone; anything else with its traceback.
    """
    with open(path, "w", buffering=1) as fh, contextlib.redirect_stderr(fh):
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.info(
            "host=%s slurm_job=%s CUDA_VISIBLE_DEVICES=%s",
            socket.gethostname(),
            os.environ.get("SLURM_JOB_ID", "-"),
            os.environ.get("CUDA_VISIBLE_DEVICES", "-"),
        )
        try:
            yield
        except ACTIONABLE as err:
            logging.error("%s: %s", type(err).__name__, err)
            print(f"{type(err).__name__}: {err}", file=sys.__stderr__)
            raise SystemExit(1) from None
        except BaseException:
            logging.exception("stage failed")
            raise
        finally:
            root.removeHandler(handler)


def optional_input(value) -> list[str]:
    """A named Snakemake input that may be absent: [] or [path] (Snakemake gives one path as a str)."""
    return [value] if isinstance(value, str) else list(value)
