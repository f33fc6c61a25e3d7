"""Parse-time checks of a recursive-introspection experiment (rules/introspection/): its problems,
its teacher, and whether its longest episode fits the model's context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selfimprove.introspection.environments import make_environment
from selfimprove.tasks import Task, difficulty
from selfimprove.workflow.checks import check_experiment, context_length
from selfimprove.workflow.config_check import ConfigError


@dataclass(frozen=True)
class IntrospectionPlan:
    task: Task
    environment: object  # introspection.environments: TaskEnvironment or JsonlEnvironment
    iterations: list[int]
    arms: list[str]  # "rise", and the single-turn control unless switched off
    stages: list[str]  # what each model was evaluated as: the base model, then every arm's iterations


def check_introspection(cfg: dict) -> IntrospectionPlan:
    task = check_experiment(cfg)
    rise = cfg["introspection"]
    try:
        environment = make_environment(cfg)  # a missing problem file or a marker clash stops here
    except (ValueError, FileNotFoundError) as err:
        raise ConfigError("introspection.environment", str(err)) from None
    check_teacher(rise["collect"])
    check_episode_fits(cfg, task, environment)
    iterations = list(range(1, rise["iterations"] + 1))
    arms = ["rise"] + (["single_turn"] if rise.get("controls", {}).get("single_turn", True) else [])
    stages = ["base"] + [f"{arm}/iter{i}" for arm in arms for i in iterations]
    return IntrospectionPlan(task=task, environment=environment, iterations=iterations, arms=arms, stages=stages)


def check_teacher(collect: dict) -> None:
    if collect["source"] != "teacher":
        return
    if "teacher" not in collect:
        raise ConfigError("introspection.collect.teacher", "source 'teacher' needs a teacher: a model.pt or a Hugging Face model directory")
    if not Path(collect["teacher"]).exists():
        raise ConfigError("introspection.collect.teacher", f"{collect['teacher']} does not exist")


def episode_tokens(cfg: dict, task: Task, environment) -> tuple[int, int, int]:
    """(tokens, attempts shown, tokens of one attempt) of the longest episode a turn is generated from:
    the attempts a turn sees (the context window, or every turn without one), each with its question
    and markers, plus the attempt being written."""
    rise = cfg["introspection"]
    window = rise.get("context_window", 2)
    turns = max(rise["evaluate"]["turns"], rise["collect"]["turns"])
    shown = turns if window is None or rise["evaluate"].get("full_history") else min(window, turns)
    if environment.kind == "jsonl":
        one = max(len(q) for t in environment.files.values() for q in t["question"]) + environment.max_new_tokens
    else:
        one = difficulty.longest_sequence(task, cfg)
    return shown * (one + 4) + 1, shown, one


def check_episode_fits(cfg: dict, task: Task, environment) -> None:
    tokens, shown, one = episode_tokens(cfg, task, environment)
    context = context_length(cfg)
    if not cfg["model"].get("init_from") and cfg["model"]["pos_encoding"] != "none" and tokens > context:
        raise ConfigError(
            "model.max_seq_len",
            f"{context} tokens cannot hold the longest introspection episode (about {tokens} tokens: "
            f"{shown} attempts of up to {one}); raise model.max_seq_len, or lower introspection.context_window or max_new_tokens",
        )
