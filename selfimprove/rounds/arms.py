"""A self-improvement sweep (`family: rounds` with a `sweep`, rules/rounds/arms.smk): each arm (a combination
of one value per axis, e.g. `filters=length` against `filters=none`) is a whole self-improvement experiment of
its own under results/<experiment>/<arm>/, run by the same rules; their summaries are joined into one table
per kind, with a column per axis, so that one figure and one claim check compare them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from selfimprove.engine.data import read_table, write_table
from selfimprove.rounds.checks import check_rounds
from selfimprove.tasks import Task
from selfimprove.workflow.config_check import ConfigError, check_schema
from selfimprove.workflow.variants import RUN_KEYS, variants

# Keys of the sweep itself that an arm's own config no longer holds: it is one experiment, assembled.
SWEEP_ONLY = ("sweep", "scales", "scale", "extends", "family", "claim")  # the claim compares arms: the sweep checks it


@dataclass(frozen=True)
class ArmsPlan:
    task: Task  # the first arm's
    arms: dict[str, dict]  # {name: {"axes": {axis: value}, "config": the arm's whole config, `arm` set}}


# What only rounds >= 1 read: arms that differ in nothing else share one round 0 (the same data, models and
# evaluation), so a comparison is paired and its round 0 trains once.
LATER_ROUND_KEYS = ("filters", "majority_vote", "self_improve", "rounds", "label_noise", "keep_files")
LATER_ROUND_TRAIN_KEYS = ("later_rounds", "newest_fraction", "mixture_weights")


def round0_settings(cfg: dict) -> str:
    train = {k: v for k, v in cfg["train"].items() if k not in LATER_ROUND_TRAIN_KEYS}
    return repr(sorted(({k: v for k, v in cfg.items() if k not in (*LATER_ROUND_KEYS, "train")} | {"train": train}).items()))


def check_arms(cfg: dict, schema_path) -> ArmsPlan:
    """Every arm checked as the self-improvement experiment it is, the arm named in any error."""
    arms, tasks, owners = {}, [], {}
    for name, variant in variants(cfg, fixed=RUN_KEYS).items():
        arm = {key: value for key, value in variant["config"].items() if key not in SWEEP_ONLY}
        arm["arm"] = {"name": name, "round0": owners.setdefault(round0_settings(arm), name)}
        try:
            check_schema(arm, schema_path, fill_defaults=True)
            tasks.append(check_rounds(arm).task)
        except ConfigError as err:
            raise ConfigError(err.key, f"{err.message} (in arm {name})") from None
        arms[name] = {"axes": variant["axes"], "config": arm}
    return ArmsPlan(task=tasks[0], arms=arms)


def join_arms(paths: list[str], axes: list[dict], out: str) -> None:
    """One table from each arm's summary table (paths[i] of the arm with axis values axes[i])."""
    frames = []
    for path, values in zip(paths, axes):
        table = read_table(path, ())
        for axis, value in values.items():
            table[axis] = value
        table["arm"] = "/".join(f"{a}={v}" for a, v in values.items())
        frames.append(table)
    write_table(pd.concat(frames, ignore_index=True), out)
