"""Sweeps: one experiment config expanded into variants that each train once and evaluate.

    sweep:
      pos_encoding:                                   # an axis
        none:    {model: {pos_encoding: none}}        # a value: a partial config merged over the rest
        learned: {model: {pos_encoding: learned}}
      cot:
        "on":  {task_options: {cot: true}}
        "off": {task_options: {cot: false}}

The variants are every combination of one value per axis. A variant is named by its axis
values, `pos_encoding=none/cot=on`, which is also where its files live under
results/<experiment>/ (Hive-style directories), and its summary rows carry one column per axis.
Everything here is plain Python: the workflow expands sweeps while it parses.
"""

from __future__ import annotations

import itertools

from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.scales import merge

# Keys that say how the whole experiment runs, not what one variant trains: a variant may not set them.
RUN_KEYS = ("experiment", "seeds", "sweep", "figures", "scale", "scales", "device", "threads", "resources", "tracking", "family", "arm")
# A train-once sweep has no self-improvement rounds: these keys mean nothing to its variants.
GLOBAL_KEYS = (*RUN_KEYS, "rounds", "self_improve", "filters", "majority_vote", "label_noise")


def variants(config: dict, fixed=GLOBAL_KEYS) -> dict[str, dict]:
    """{name: {"axes": {axis: value name}, "config": the merged config}} in a stable order; a variant may set
    anything but the keys `fixed` (a self-improvement sweep's variants may also change rounds and filters: RUN_KEYS)."""
    sweep = config["sweep"]
    for axis, values in sweep.items():
        if not values:
            raise ConfigError(f"sweep.{axis}", "lists no values")
        for value, partial in values.items():
            for key in partial:
                if key in fixed:
                    hint = " (to compare self-improvement settings, set `family: rounds`)" if key not in RUN_KEYS else ""
                    raise ConfigError(
                        f"sweep.{axis}.{value}.{key}",
                        f"is set once for the whole experiment, not per variant (variants may set: anything but {', '.join(fixed)}){hint}",
                    )
            for text in (axis, str(value)):
                if text in (".", "..") or not text or any(c in text for c in "/\\=,{}* "):
                    raise ConfigError(
                        f"sweep.{axis}",
                        f"axis and value names become directory names: {text!r} may not be . or .. nor contain / \\ = , {{ }} * or spaces",
                    )
    out = {}
    for combo in itertools.product(*(sweep[axis].items() for axis in sweep)):
        merged = config
        for _, partial in combo:
            merged = merge(merged, partial)
        axes = {axis: str(value) for axis, (value, _) in zip(sweep, combo)}
        out["/".join(f"{a}={v}" for a, v in axes.items())] = {"axes": axes, "config": merged}
    return out


def numeric(values):
    """Axis value names as numbers when they all are (for a numeric x-axis), else unchanged."""
    try:
        return [float(v) for v in values]
    except ValueError:
        return list(values)
