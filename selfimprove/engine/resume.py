"""Resumable training: periodic and on-signal snapshots of everything a round's loop needs.

A snapshot holds the weights, the optimizer state, the next step, the batch sampler's and
torch's random states and the log so far. Re-running an interrupted round continues from it
and ends with the same weights, bit for bit on CPU, as a run that was never interrupted.
The snapshot carries a fingerprint of the round's inputs and settings: a snapshot of a
different round (changed config, data or starting weights) is ignored, never resumed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
from pathlib import Path

import pandas as pd
import torch

from selfimprove.workflow.atomic import atomic_output
from selfimprove.workflow.errors import InputFileError

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)  # Slurm: time limit / preemption, and --signal=USR1@<s>


def snapshot_path(checkpoint_out) -> Path:
    """Where an unfinished round keeps its snapshot: beside its checkpoint, never a workflow output."""
    path = Path(checkpoint_out)
    return path.with_name(path.stem + ".resume" + path.suffix)


def file_digest(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(settings: dict, dataset: pd.DataFrame, start_file=None) -> str:
    """A digest of what determines a round's result: its settings, its data, its starting weights."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(pd.util.hash_pandas_object(dataset, index=False).to_numpy().tobytes())
    if start_file is not None and Path(start_file).is_file():
        h.update(file_digest(start_file).encode())
    return h.hexdigest()


def save_snapshot(path, state: dict) -> None:
    """Atomically: a kill while writing leaves the previous snapshot in place."""
    with atomic_output(path) as tmp:
        torch.save(state, tmp)


def load_snapshot(path, expected_fingerprint: str, device) -> dict | None:
    """The snapshot at `path` if it belongs to this round, else None."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise InputFileError(f"cannot read training snapshot {path}: {err} (delete it to restart the round from step 0)") from err
    if state.get("fingerprint") != expected_fingerprint:
        log.warning("ignoring %s: it was saved by a round with other settings, data or starting weights", path)
        return None
    return state


class StopSignals:
    """Within the block, SIGTERM and SIGUSR1 set `received` (the signal's name) instead of killing.

    The training loop polls it after each step, saves a snapshot and stops. Outside the main
    thread (where Python cannot install handlers) this does nothing.
    """

    def __init__(self):
        self.received: str | None = None
        self._previous = {}

    def _handle(self, signum, frame):
        self.received = signal.Signals(signum).name

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        return False
