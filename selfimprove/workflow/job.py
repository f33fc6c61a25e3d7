"""What a rule hands every stage of a job besides the stage's own settings: the task, and where it runs."""

from __future__ import annotations

from dataclasses import dataclass, fields

SCRIPT_DIGEST = "script_digest"  # a param of every script rule only so that editing the script re-runs it (rerun.py)


def rule_params(sm) -> dict:
    """A script's rule params (Snakemake's `snakemake.params`) as a dict for its stage: without the
    script's digest, and for a model job (one with a `device`) with the threads Snakemake gave it
    (`threads:`, lowered to --cores where fewer), which decide no result worth a re-run."""
    params = {k: v for k, v in sm.params.items() if k != SCRIPT_DIGEST}
    if "device" in params:
        params["threads"] = sm.threads
    return params


def take(cls, params: dict):
    """An instance of the dataclass `cls` from the params named like its fields, which are removed from `params`."""
    return cls(**{f.name: params.pop(f.name) for f in fields(cls) if f.name in params})


def split(cls, params):
    """A rule's params (a dict, or Snakemake's Params) as (the `cls` they hold, the rest)."""
    own = dict(params.items()) if hasattr(params, "items") else dict(params)
    return take(cls, own), own


@dataclass(frozen=True)
class Job:
    task: str
    task_options: dict | None = None
    task_version: int | None = None  # unused here: rules pass it so that bumping a task's VERSION re-runs them
    device: str = "cpu"
    threads: int = 1

    @classmethod
    def split(cls, params) -> tuple[Job, dict]:
        """A rule's params as (the job's, the stage's own)."""
        return split(cls, params)

    def build_task(self):
        from selfimprove.tasks import get_task

        return get_task(self.task, self.task_options or None)

    def torch_device(self):
        """The torch device, with the job's thread count set (imports torch: model jobs only)."""
        from selfimprove.engine.device import pick_device

        return pick_device(self.device, self.threads)
