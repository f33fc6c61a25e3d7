# Configuration checks and path helpers; no rules here.
#
# Everything below runs when Snakemake parses the workflow, before any job: a bad
# configuration stops here and nothing is written under results/.

import re

from snakemake.utils import validate

from selfimprove import difficulty
from selfimprove.data import read_table
from selfimprove.config_check import ConfigError, check_schema
from selfimprove.filters import FILTERS
from selfimprove.jobs import scheduler_resources
from selfimprove.model_config import ModelConfig
from selfimprove.provenance import git_commit, library_versions
from selfimprove.scales import apply_scale
from selfimprove.tasks import TASKS, get_task


apply_scale(config)  # --config scale=smoke merges the config's `scales: {smoke: ...}` in
check_schema(config, workflow.source_path("../config/schema.yaml"))  # names the key and what it allows
validate(config, "../config/schema.yaml")


def config_error(key, message):
    raise ConfigError(key, message)


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
for key in ("base_round", "later_rounds"):
    sched = config["train"][key]
    if sched["warmup_steps"] + round(sched["steps"] * sched["decay_fraction"]) > sched["steps"]:
        config_error(f"train.{key}", f"warmup_steps + decay_fraction * steps exceeds steps={sched['steps']}")
if len(set(config["seeds"])) != len(config["seeds"]):
    config_error("seeds", f"seeds must be distinct, got {config['seeds']}")
difficulty.check_config(get_task(config["task"]), config)  # raises "config key '...': ..."
if not config["model"].get("init_from") and (config["model"]["pos_encoding"] != "none" or "max_seq_len" in config["model"]):
    difficulty.check_context(get_task(config["task"]), config, config["model"].get("max_seq_len", ModelConfig.max_seq_len))


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


# Axis labels of the figures: "difficulty (string length)" for one-axis tasks.
AXIS_LABELS = [f"difficulty ({TASK.difficulty_unit})"] if len(TASK.axes) == 1 else list(TASK.axes)
BASE_HI = difficulty.parse(TASK, config["data"]["base_difficulty"][1])


# Accelerated mode: a probe after each round decides what the next round labels (rules/probe.smk).
ACCEL = config["self_improve"].get("accelerated")
if ACCEL and len(TASK.axes) > 1:
    config_error("self_improve.accelerated", f"probing is defined for one-axis tasks; {TASK.name!r} has axes {list(TASK.axes)} (list its cells in self_improve.schedule)")


def label_difficulties(wildcards):
    """The difficulties round r's model labels (the schedule in self_improve), as config values.

    Empty in accelerated mode: the round's probe table decides (an input of selflabel_prompts).
    """
    if ACCEL:
        return []
    cells = difficulty.labelled(TASK, config["self_improve"], BASE_HI, int(wildcards.round))
    return [list(c) if isinstance(c, tuple) else c for c in cells]


# Label noise (rules/noise.smk): one chain per setting "<kind>_p<fraction>_r<start>_t<trial>".
NOISE = config.get("label_noise")
if NOISE and ACCEL:
    config_error("label_noise", "cannot be combined with self_improve.accelerated (the probes decide the clean chain's prompts)")
if NOISE:
    for start in NOISE["start_rounds"]:
        if start >= config["rounds"]:
            config_error("label_noise.start_rounds", f"round {start} has no self-labels: rounds={config['rounds']} labels rounds 0..{config['rounds'] - 1}")
NOISE_SETTINGS = [
    f"{kind}_p{fraction}_r{start}_t{trial}"
    for kind in NOISE["kinds"] for fraction in NOISE["fractions"] for start in NOISE["start_rounds"] for trial in range(NOISE["trials"])
] if NOISE else []


def noise_setting(setting):
    kind, fraction, start, trial = re.fullmatch(r"(\w+?)_p([0-9.]+)_r(\d+)_t(\d+)", setting).groups()
    return {"kind": kind, "fraction": float(fraction), "start": int(start), "trial": int(trial)}


def noise_rounds(setting):
    """The rounds a noisy chain trains itself: after its start round, `continue_rounds` of them."""
    start = noise_setting(setting)["start"]
    return list(range(start + 1, start + 1 + NOISE["continue_rounds"]))


def chain_file(setting, r, seed, name):
    """A file of round r in a noisy chain: the clean chain's up to the start round."""
    if int(r) <= noise_setting(setting)["start"]:
        return dataset_path(r, seed) if name == "dataset.parquet" else f"{RESULTS}/round{r}/seed{seed}/{name}"
    return f"{RESULTS}/noise/{setting}/round{r}/seed{seed}/{name}"


def noisy_accepted(wc):
    """Round r's accepted labels in a noisy chain: the corrupted copy at the start round."""
    r = int(wc.round) - 1
    if r == noise_setting(wc.setting)["start"]:
        return f"{RESULTS}/noise/{wc.setting}/round{r}/seed{wc.seed}/corrupted.parquet"
    return chain_file(wc.setting, r, wc.seed, "accepted.parquet")


def probe_table(r):
    return f"{RESULTS}/round{r}/probe.parquet"


def rounds_to_run():
    """Rounds 0..`rounds`; in accelerated mode with a `target`, only until the training data
    reaches it: that is known once the probes have run (a checkpoint), so the DAG grows as
    they finish."""
    if not (ACCEL and ACCEL.get("target")):
        return ROUNDS
    for r in ROUNDS[:-1]:
        table = read_table(checkpoints.probe.get(round=r).output[0], ["difficulty", "accepted"])
        if table.loc[table["accepted"], "difficulty"].max() >= ACCEL["target"]:
            return ROUNDS[: r + 2]  # round r's labels train round r + 1, which reaches the target
    return ROUNDS


# What each job asks a scheduler for (selfimprove/jobs.py; the config's optional `resources`).
# Model jobs run `threads` torch threads and hold GPUs when the device can be CUDA; data jobs
# are single-threaded and CPU-only.
MODEL_JOB = scheduler_resources("model_jobs", config)
DATA_JOB = scheduler_resources("data_jobs", config)


# Conda environment of every rule, for --software-deployment-method conda (flash-attn only on GPUs).
CONDA_ENV = "../envs/gpu.yaml" if config["device"] == "cuda" else "../envs/cpu.yaml"


def task_params():
    return {"task": config["task"], "task_version": TASK.VERSION}


def runtime_params():
    return {"device": config["device"], "threads": config["threads"]}


def train_params(wildcards):
    """Round 0 trains from scratch on its schedule; later rounds continue on theirs."""
    t = config["train"]
    schedule = t["base_round"] if int(wildcards.round) == 0 else t["later_rounds"]
    shared = {k: t[k] for k in ("batch_size", "min_lr_ratio", "weight_decay", "grad_clip")}
    mixture = {} if int(wildcards.round) == 0 else {"newest_fraction": t["newest_fraction"]}  # round 0 has no self-labels
    return {
        **shared,
        **mixture,
        "steps": schedule["steps"],
        "lr": schedule["lr"],
        "warmup_steps": schedule["warmup_steps"],
        "decay_steps": round(schedule["steps"] * schedule["decay_fraction"]),
    }


def continues(wildcards):
    return int(wildcards.round) > 0 and config["train"]["continue_training"]


def dataset_path(r, seed):
    """Round 0 trains on the shared base data; round r on its seed's accumulated set."""
    if int(r) == 0:
        return rules.base_dataset.output[0]
    return f"{RESULTS}/round{r}/seed{seed}/dataset.parquet"


def training_set(wildcards):
    return dataset_path(wildcards.round, wildcards.seed)


def previous_model(wildcards):
    """Round r continues from round r-1's weights (unless train.continue_training is false)."""
    if not continues(wildcards):
        return []
    return f"{RESULTS}/round{int(wildcards.round) - 1}/seed{wildcards.seed}/model.pt"


def pretrained_start(wildcards):
    """Round 0 starts from model.init_from (a local Hugging Face checkpoint directory) when set."""
    path = config["model"].get("init_from")
    return [path] if path and int(wildcards.round) == 0 else []


def voter_generations(wildcards):
    return [f"{RESULTS}/round{wildcards.round}/seed{s}/generations.parquet" for s in VOTERS]
