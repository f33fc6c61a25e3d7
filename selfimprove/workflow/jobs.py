"""What each workflow job asks a scheduler for: GPUs, memory and wall time.

Two kinds of job: *model jobs* run a network (train, generate, evaluate, probe) and may
need a GPU; *data jobs* (prompts, filters, datasets, summaries, plots) never do. The
config's optional `resources` block overrides the defaults below; a Slurm profile turns
the result into `--gpus`, `--mem` and `--time`. A job that runs out of time is retried
(the profile's `retries`) with its time limit multiplied by the attempt number.
"""

from __future__ import annotations

from selfimprove.workflow.config_check import ConfigError

DEFAULTS = {
    "gpus": None,  # per model job; None: 1 when device is cuda, else 0
    "model_jobs": {"mem_mb": 8000, "runtime": 120},  # runtime: minutes of the first attempt
    "data_jobs": {"mem_mb": 2000, "runtime": 15},
}
KINDS = ("model_jobs", "data_jobs")
# Config keys that decide where and how fast jobs run, not what they compute: no param holds them,
# so changing them re-runs nothing (on CPU, `threads` does change floating-point rounding: docs/workflow.md).
SCHEDULING_KEYS = ("threads", "resources")


def without_scheduling(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in SCHEDULING_KEYS}


def job_settings(config: dict) -> dict:
    """The config's `resources` block over the defaults."""
    given = config.get("resources") or {}
    merged = {"gpus": given.get("gpus", DEFAULTS["gpus"])}
    for kind in KINDS:
        merged[kind] = {**DEFAULTS[kind], **(given.get(kind) or {})}
    return merged


def gpus_per_model_job(config: dict) -> int:
    """GPUs a model job requests: only when the configured device can be a GPU."""
    gpus, device = job_settings(config)["gpus"], config["device"]
    if gpus is None:
        return 1 if device == "cuda" else 0
    if device == "cpu" and gpus > 0:
        raise ConfigError(
            "resources.gpus",
            f"{gpus} GPU(s) per job with device: cpu would hold GPUs that are never used; use device: cuda or auto, or gpus: 0",
        )
    if device == "cuda" and gpus == 0:
        raise ConfigError("resources.gpus", "device: cuda needs at least 1 GPU per model job (or leave gpus unset)")
    return gpus


def scheduler_resources(kind: str, config: dict, retried: bool = True) -> dict:
    """Snakemake `resources` of one kind of job. Where jobs are `retried` (a cluster), a later attempt gets
    proportionally more time; elsewhere the time is a plain number (a function costs planning time per job)."""
    spec = job_settings(config)[kind]
    minutes = spec["runtime"]
    runtime = (lambda wildcards, attempt: minutes * attempt) if retried else minutes
    resources = {"mem_mb": spec["mem_mb"], "runtime": runtime}
    gpus = gpus_per_model_job(config) if kind == "model_jobs" else 0
    if gpus:
        resources["gpu"] = gpus
    return resources
