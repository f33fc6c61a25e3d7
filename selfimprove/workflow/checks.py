"""Parse-time checks every experiment family shares: which family a config is, its task, model and schedules.

Snakemake runs these (rules/common.smk) before any job, so a bad configuration stops with the key named
and nothing is written under results/. Each family's own checks live in its package (`rounds/checks.py`,
`sweep/checks.py`, `introspection/checks.py`); all are plain functions, unit-tested without Snakemake.
"""

from __future__ import annotations

from selfimprove.engine.model_config import ModelConfig
from selfimprove.tasks import Task, difficulty, get_task, task_class
from selfimprove.workflow.config_check import ConfigError

FAMILIES = ("rounds", "sweep", "introspection")


def check_path_name(key: str, value) -> None:
    """A config value that becomes one directory or file name under results/ (the experiment, a sweep axis
    or value, a figure): never '.', '..', absolute, empty, or holding a path separator."""
    text = str(value)
    if text in ("", ".", "..") or "/" in text or "\\" in text or text.startswith("~"):
        raise ConfigError(key, f"{text!r} becomes a name under results/ and may not be empty, '.', '..', start with '~' or contain / or \\")


def family_of(config: dict) -> str:
    """'sweep' (train once per variant), 'introspection' (RISE), 'rounds' (self-improvement), or
    'arms' (`family: rounds` with a `sweep`: every variant a self-improvement experiment of its own)."""
    check_path_name("experiment", config["experiment"])
    for name in config.get("figures", {}):
        check_path_name(f"figures.{name}", name)
    if config.get("introspection") and "sweep" in config:
        raise ConfigError("introspection", "cannot be combined with `sweep` (sweep a preset's values by running it once per value)")
    family = "introspection" if config.get("introspection") else "sweep" if "sweep" in config else "rounds"
    declared = config.get("family", family)
    if declared == "rounds" and family == "sweep":
        family = "arms"
    elif declared != family:
        needs = {"sweep": "a `sweep`", "introspection": "an `introspection` block", "rounds": "neither `sweep` nor `introspection`"}
        raise ConfigError("family", f"{declared!r} needs {needs[declared]}; this config is a {family} experiment")
    if config.get("figures") and family != "sweep":
        raise ConfigError("figures", "draws a train-once sweep's results; self-improvement figures are always drawn")
    if config.get("label_noise") and family not in ("rounds", "arms"):
        has = "a sweep (train once, evaluate)" if family == "sweep" else "an introspection experiment (episodes, not labels)"
        raise ConfigError("label_noise", f"corrupts self-labels, which {has} has none of")
    if len(set(config["seeds"])) != len(config["seeds"]):
        raise ConfigError("seeds", f"seeds must be distinct, got {config['seeds']}")
    return family


def build_task(cfg: dict) -> Task:
    """The config's task with its task_options; an unknown task or a bad option is a config error."""
    try:
        task_class(cfg["task"])
    except ValueError as err:
        raise ConfigError("task", str(err)) from None
    try:
        return get_task(cfg["task"], cfg.get("task_options"))
    except ValueError as err:  # an option the task does not take, or a value it refuses
        raise ConfigError("task_options", str(err)) from None


def check_experiment(cfg: dict) -> Task:
    """What the schema cannot say about one experiment (or one variant of a sweep): its task."""
    task = build_task(cfg)
    model = cfg["model"]
    if model["d_model"] % model["n_head"]:
        raise ConfigError("model.d_model", f"{model['d_model']} is not divisible by model.n_head={model['n_head']}")
    for key in ("base_round", "later_rounds"):
        sched = cfg["train"].get(key)
        if sched and sched["warmup_steps"] + round(sched["steps"] * sched["decay_fraction"]) > sched["steps"]:
            raise ConfigError(f"train.{key}", f"warmup_steps + decay_fraction * steps exceeds steps={sched['steps']}")
    difficulty.check_config(task, cfg)
    if not model.get("init_from") and (model["pos_encoding"] != "none" or "max_seq_len" in model):
        difficulty.check_context(task, cfg, context_length(cfg))
    return task


def context_length(cfg: dict) -> int:
    """The model's position table: model.max_seq_len, or the model's default."""
    return cfg["model"].get("max_seq_len", ModelConfig.max_seq_len)


def axis_labels(task: Task) -> list[str]:
    """Axis labels of the figures: "difficulty (string length)" for one-axis tasks."""
    return [f"difficulty ({task.difficulty_unit})"] if len(task.axes) == 1 else list(task.axes)
