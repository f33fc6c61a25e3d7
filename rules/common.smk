# Configuration checks and path helpers; no rules here.
#
# Everything below runs when Snakemake parses the workflow, before any job: a bad
# configuration stops here and nothing is written under results/.

from snakemake.utils import validate

from selfimprove.filters import FILTERS
from selfimprove.tasks import TASKS, get_task


validate(config, "../config/schema.yaml")


def config_error(key, message):
    raise ValueError(f"config key '{key}': {message}")


if config["task"] not in TASKS:
    config_error("task", f"unknown task {config['task']!r}; available: {', '.join(sorted(TASKS))}")
for name in config["filters"]:
    if name not in FILTERS:
        config_error("filters", f"unknown filter {name!r}; available: {', '.join(FILTERS)}")
if "majority_vote" in config["filters"]:
    mv = config["majority_vote"]
    if mv["models"] > len(config["seeds"]):
        config_error("majority_vote.models", f"{mv['models']} voting models need at least as many seeds, but 'seeds' lists {len(config['seeds'])}")
    if mv["min_agree"] > mv["models"]:
        config_error("majority_vote.min_agree", f"{mv['min_agree']} exceeds majority_vote.models={mv['models']}")
if config["model"]["d_model"] % config["model"]["n_head"]:
    config_error("model.d_model", f"{config['model']['d_model']} is not divisible by model.n_head={config['model']['n_head']}")
if len(set(config["seeds"])) != len(config["seeds"]):
    config_error("seeds", f"seeds must be distinct, got {config['seeds']}")
lo, hi = config["data"]["base_difficulty"]
if lo > hi:
    config_error("data.base_difficulty", f"[{lo}, {hi}] is empty: the first value must not exceed the second")
lo, hi = config["data"]["eval_difficulties"]
if lo > hi:
    config_error("data.eval_difficulties", f"[{lo}, {hi}] is empty: the first value must not exceed the second")


EXP = config["experiment"]
RESULTS = f"results/{EXP}"
TASK = get_task(config["task"])
SEEDS = config["seeds"]
ROUNDS = list(range(config["rounds"] + 1))  # round 0 plus `rounds` self-improvement rounds
# Voting models: the first `majority_vote.models` seeds.
VOTERS = SEEDS[: config["majority_vote"]["models"]] if "majority_vote" in config["filters"] else []


wildcard_constraints:
    round=r"\d+",
    seed=r"\d+",


def frontier(r):
    """Hardest difficulty in round r's training data (round r has labels up to it)."""
    return config["data"]["base_difficulty"][1] + config["self_improve"]["difficulty_step"] * r


def label_difficulty(wildcards):
    """Difficulty of the prompts round r's model labels: the next step past its frontier."""
    return frontier(int(wildcards.round) + 1)


def task_params():
    return {"task": config["task"], "task_version": TASK.VERSION}


def runtime_params():
    return {"device": config["device"], "threads": config["threads"]}


def train_params(wildcards):
    """Round 0 trains from scratch; later rounds continue with the per-round schedule."""
    t = config["train"]
    first = int(wildcards.round) == 0
    steps = t["base_steps"] if first else t["round_steps"]
    return {
        "steps": steps,
        "batch_size": t["batch_size"],
        "lr": t["lr"],
        "warmup_steps": t["base_warmup_steps"] if first else t["round_warmup_steps"],
        "decay_steps": round(steps * t["decay_fraction"]),
        "min_lr_ratio": t["min_lr_ratio"],
        "weight_decay": t["weight_decay"],
        "grad_clip": t["grad_clip"],
        "newest_fraction": t["newest_fraction"],
    }


def continues(wildcards):
    return int(wildcards.round) > 0 and config["train"]["continue_training"]
