"""Parse-time checks of a sweep (rules/sweep/): every variant is a whole config, checked like an
experiment (the config they are merged over is never run by itself, so it is not checked alone)."""

from __future__ import annotations

from dataclasses import dataclass

from selfimprove.tasks import Task
from selfimprove.workflow.checks import check_experiment
from selfimprove.workflow.config_check import ConfigError, check_schema
from selfimprove.workflow.variants import variants


@dataclass(frozen=True)
class SweepPlan:
    task: Task  # the first variant's (figures label their axes with it)
    variants: dict[str, dict]  # {name: {"axes": ..., "config": ...}}


def check_sweep(cfg: dict, schema_path) -> SweepPlan:
    expanded = variants(cfg)
    tasks = []
    for name, variant in expanded.items():
        try:
            check_schema(variant["config"], schema_path)
            tasks.append(check_experiment(variant["config"]))
        except ConfigError as err:
            raise ConfigError(err.key, f"{err.message} (in sweep variant {name})") from None
    for name, figure in cfg.get("figures", {}).items():
        for key in ("x", "hue"):
            if key in figure and figure[key] not in cfg["sweep"]:
                raise ConfigError(f"figures.{name}.{key}", f"{figure[key]!r} is not a sweep axis; axes: {', '.join(cfg['sweep'])}")
        if figure["kind"] == "by_axis" and "x" not in figure:
            raise ConfigError(f"figures.{name}.x", "is required and missing (the numeric sweep axis on the x-axis)")
    return SweepPlan(task=tasks[0], variants=expanded)
