# A sweep: its checks (selfimprove/sweep/checks.py) and the per-variant params of its rules.

from selfimprove.sweep.checks import check_sweep
from selfimprove.workflow.checks import axis_labels, build_task

PLAN = check_sweep(config, SCHEMA)
VARIANTS = PLAN.variants
AXIS_LABELS = axis_labels(PLAN.task)
FIGURES = config.get("figures", {})


def variant_config(wildcards):
    return VARIANTS[wildcards.variant]["config"]


def per_variant(value):
    """A param computed from the variant config of the wildcards, e.g. per_variant(lambda cfg: cfg["model"])."""
    return lambda wildcards: value(variant_config(wildcards))


def variant_task_params():
    """task_params of each wildcard's variant, one rule param per key."""
    return {
        "task": per_variant(lambda c: c["task"]),
        "task_options": per_variant(lambda c: c.get("task_options", {})),
        "task_version": per_variant(lambda c: build_task(c).VERSION),
    }


def data_owner(variant):
    """The first variant with the same task, data and validation settings: its prompts, validation split and training set
    serve every variant that differs only in the model or training (e.g. the positional encoding)."""
    key = lambda v: repr(
        [VARIANTS[v]["config"].get(k) for k in ("task", "task_options", "data")] + [VARIANTS[v]["config"]["train"].get("select_best")]
    )
    return next(v for v in VARIANTS if key(v) == key(variant))
