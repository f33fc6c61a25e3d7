"""Errors a user can act on from their message alone: a job that raises one of these ends
with that message (no traceback), see logs.log_to."""

from __future__ import annotations


class InputFileError(RuntimeError):
    """An input file is missing, truncated, corrupted or lacks what the stage needs."""


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; nothing was written for this round."""


class TrainingInterrupted(RuntimeError):
    """Training stopped on a signal (Slurm's time limit or preemption) after saving a resumable state."""


ACTIONABLE = (InputFileError, TrainingDiverged, TrainingInterrupted)
