"""Parse-time checks of a self-improvement experiment (rules/rounds/): its filters, vote, accelerated
mode and label noise, and what the rules derive from them."""

from __future__ import annotations

from dataclasses import dataclass

from selfimprove.rounds.filters import FILTERS
from selfimprove.rounds.noise import setting_names
from selfimprove.tasks import Task, difficulty
from selfimprove.workflow.checks import check_experiment
from selfimprove.workflow.config_check import ConfigError


@dataclass(frozen=True)
class RoundsPlan:
    task: Task
    rounds: list[int]  # round 0 plus `rounds` self-improvement rounds
    voters: list[int]  # the seeds whose models vote: the first majority_vote.models
    accelerated: dict | None  # self_improve.accelerated
    noise_settings: list[str]  # one noisy chain per label_noise setting
    base_hi: object  # the hardest difficulty of round-0 data


def check_rounds(cfg: dict) -> RoundsPlan:
    task = check_experiment(cfg)
    check_filters(cfg, task)
    accelerated = cfg["self_improve"].get("accelerated")
    if accelerated and len(task.axes) > 1:
        raise ConfigError(
            "self_improve.accelerated",
            f"probing is defined for one-axis tasks; {task.name!r} has axes {list(task.axes)} (list its cells in self_improve.schedule)",
        )
    noise = cfg.get("label_noise")
    if noise:
        check_noise(cfg, noise, accelerated)
    voting = "majority_vote" in cfg["filters"]
    return RoundsPlan(
        task=task,
        rounds=list(range(cfg["rounds"] + 1)),
        voters=cfg["seeds"][: cfg["majority_vote"]["models"]] if voting else [],
        accelerated=accelerated,
        noise_settings=setting_names(noise) if noise else [],
        base_hi=difficulty.parse(task, cfg["data"]["base_difficulty"][1]),
    )


def check_filters(cfg: dict, task: Task) -> None:
    for name in cfg["filters"]:
        if name not in FILTERS:
            raise ConfigError("filters", f"unknown filter {name!r}; available: {', '.join(FILTERS)}")
    if "valid" in cfg["filters"] and type(task).validity is Task.validity:
        raise ConfigError("filters", f"the valid filter (an oracle verifier) needs a task with validity checks; {task.name!r} has none")
    if "majority_vote" in cfg["filters"]:
        vote = cfg["majority_vote"]
        if vote["models"] > len(cfg["seeds"]):
            raise ConfigError(
                "majority_vote.models", f"{vote['models']} voting models need at least as many seeds, but 'seeds' lists {len(cfg['seeds'])}"
            )
        if vote["min_agree"] > vote["models"]:
            raise ConfigError("majority_vote.min_agree", f"{vote['min_agree']} exceeds majority_vote.models={vote['models']}")


def check_noise(cfg: dict, noise: dict, accelerated) -> None:
    if accelerated:
        raise ConfigError("label_noise", "cannot be combined with self_improve.accelerated (the probes decide the clean chain's prompts)")
    for start in noise["start_rounds"]:
        if start >= cfg["rounds"]:
            raise ConfigError(
                "label_noise.start_rounds", f"round {start} has no self-labels: rounds={cfg['rounds']} labels rounds 0..{cfg['rounds'] - 1}"
            )
