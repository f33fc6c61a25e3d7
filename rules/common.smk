# Configuration checks and path helpers; no rules here.
#
# Everything below runs when Snakemake parses the workflow, before any job: a bad
# configuration stops here and nothing is written under results/.

import re
from pathlib import Path

from snakemake.utils import validate

from selfimprove import difficulty
from selfimprove.data import read_table
from selfimprove.config_check import ConfigError, check_schema
from selfimprove.filters import FILTERS
from selfimprove.jobs import scheduler_resources
from selfimprove.model_config import ModelConfig
from selfimprove.provenance import git_commit, library_versions
from selfimprove.scales import apply_scale
from selfimprove.sweep import variants
from selfimprove.tasks import TASKS, get_task
from selfimprove.tasks.base import Task


SCHEMA = workflow.source_path("../config/schema.yaml")
apply_scale(config)  # --config scale=smoke merges the config's `scales: {smoke: ...}` in
check_schema(config, SCHEMA)  # names the key and what it allows
validate(config, "../config/schema.yaml")


def config_error(key, message):
    raise ConfigError(key, message)


def build_task(cfg):
    """The config's task with its task_options; a bad option is a config error."""
    if cfg["task"] not in TASKS:
        config_error("task", f"unknown task {cfg['task']!r}; available: {', '.join(sorted(TASKS))}")
    try:
        return get_task(cfg["task"], cfg.get("task_options"))
    except ValueError as err:
        config_error("task_options", str(err))


def check_experiment(cfg):
    """What the schema cannot say about one experiment (or one variant of a sweep)."""
    task = build_task(cfg)
    if cfg["model"]["d_model"] % cfg["model"]["n_head"]:
        config_error("model.d_model", f"{cfg['model']['d_model']} is not divisible by model.n_head={cfg['model']['n_head']}")
    for key in ("base_round", "later_rounds"):
        sched = cfg["train"].get(key)
        if sched and sched["warmup_steps"] + round(sched["steps"] * sched["decay_fraction"]) > sched["steps"]:
            config_error(f"train.{key}", f"warmup_steps + decay_fraction * steps exceeds steps={sched['steps']}")
    if "sweep" not in cfg and "introspection" not in cfg:  # how self-improvement rounds make their labels
        for name in cfg["filters"]:
            if name not in FILTERS:
                config_error("filters", f"unknown filter {name!r}; available: {', '.join(FILTERS)}")
        if "valid" in cfg["filters"] and type(task).validity is Task.validity:
            config_error("filters", f"the valid filter (an oracle verifier) needs a task with validity checks; {task.name!r} has none")
        if "majority_vote" in cfg["filters"]:
            mv = cfg["majority_vote"]
            if mv["models"] > len(cfg["seeds"]):
                config_error("majority_vote.models", f"{mv['models']} voting models need at least as many seeds, but 'seeds' lists {len(cfg['seeds'])}")
            if mv["min_agree"] > mv["models"]:
                config_error("majority_vote.min_agree", f"{mv['min_agree']} exceeds majority_vote.models={mv['models']}")
    difficulty.check_config(task, cfg)  # raises "config key '...': ..."
    if not cfg["model"].get("init_from") and (cfg["model"]["pos_encoding"] != "none" or "max_seq_len" in cfg["model"]):
        difficulty.check_context(task, cfg, cfg["model"].get("max_seq_len", ModelConfig.max_seq_len))
    return task


if len(set(config["seeds"])) != len(config["seeds"]):
    config_error("seeds", f"seeds must be distinct, got {config['seeds']}")
# A sweep (rules/sweep.smk): every variant is a whole config, checked like an experiment
# (the config they are merged over is never run by itself, so it is not checked alone).
SWEEP = "sweep" in config
VARIANTS = variants(config) if SWEEP else {}
for _name, _variant in VARIANTS.items():
    try:
        check_schema(_variant["config"], SCHEMA)
        check_experiment(_variant["config"])
    except ConfigError as err:
        config_error(err.key, f"{err.message} (in sweep variant {_name})")
TASK = build_task(next(iter(VARIANTS.values()))["config"]) if SWEEP else check_experiment(config)
# Recursive introspection (rules/introspection.smk): iterations of collect -> convert -> finetune -> evaluate.
INTROSPECTION = config.get("introspection")
if INTROSPECTION and SWEEP:
    config_error("introspection", "cannot be combined with `sweep` (sweep a preset's values by running it once per value)")
if config.get("figures") and not SWEEP:
    config_error("figures", "draws a sweep's results; this config has no `sweep` (self-improvement figures are always drawn)")
for _name, _figure in config.get("figures", {}).items():
    for _key in ("x", "hue"):
        if _key in _figure and _figure[_key] not in config["sweep"]:
            config_error(f"figures.{_name}.{_key}", f"{_figure[_key]!r} is not a sweep axis; axes: {', '.join(config['sweep'])}")
    if _figure["kind"] == "by_axis" and "x" not in _figure:
        config_error(f"figures.{_name}.x", "is required and missing (the numeric sweep axis on the x-axis)")


EXP = config["experiment"]
RESULTS = f"results/{EXP}"
SEEDS = config["seeds"]
ROUNDS = list(range(config.get("rounds", 0) + 1))  # round 0 plus `rounds` self-improvement rounds
# Voting models: the first `majority_vote.models` seeds.
VOTERS = SEEDS[: config["majority_vote"]["models"]] if "majority_vote" in config.get("filters", []) else []


wildcard_constraints:
    round=r"\d+",
    seed=r"\d+",
    voter=r"\d+",


# Axis labels of the figures: "difficulty (string length)" for one-axis tasks.
AXIS_LABELS = [f"difficulty ({TASK.difficulty_unit})"] if len(TASK.axes) == 1 else list(TASK.axes)
BASE_HI = difficulty.parse(TASK, config["data"]["base_difficulty"][1])


# Accelerated mode: a probe after each round decides what the next round labels (rules/probe.smk).
ACCEL = None if SWEEP or INTROSPECTION else config["self_improve"].get("accelerated")
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
if NOISE and SWEEP:
    config_error("label_noise", "corrupts self-labels, which a sweep (train once, evaluate) has none of")
if NOISE and INTROSPECTION:
    config_error("label_noise", "corrupts self-labels, which an introspection experiment (episodes, not labels) has none of")
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


def task_params(cfg=config):
    """What a job needs to rebuild the task; the version only makes Snakemake re-run it when it changes."""
    options = {"task_options": cfg["task_options"]} if cfg.get("task_options") else {}
    return {"task": cfg["task"], **options, "task_version": get_task(cfg["task"], cfg.get("task_options")).VERSION}


def runtime_params():
    return {"device": config["device"], "threads": config["threads"]}


def train_params(wildcards):
    return schedule_params(config, int(wildcards.round))


def optimizer_params(t):
    """The settings of `train` every training run shares, whatever its schedule."""
    return {k: t[k] for k in ("batch_size", "min_lr_ratio", "weight_decay", "grad_clip", "betas", "eps", "sampling")}


def schedule_params(cfg, round_):
    """Round 0 trains from scratch on its schedule; later rounds continue on theirs."""
    t = cfg["train"]
    schedule = t["base_round"] if round_ == 0 else t["later_rounds"]
    shared = optimizer_params(t)
    # round 0 has no self-labels; round r ends with round r - 1's labels
    mixture = {} if round_ == 0 else {"newest_fraction": t["newest_fraction"], "mixture_weights": t["mixture_weights"], "newest_round": round_ - 1}
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
    """Round 0 trains on its seed's base data; round r on its seed's accumulated set."""
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


def votes_of(chain, seed):
    """The answers of every voter to seed `seed`'s prompts in a chain's round directory (`chain`
    holds {round}): its own generations, and each other voter's labels of its prompts."""
    return [f"{chain}/seed{seed}/generations.parquet" if v == int(seed) else f"{chain}/seed{seed}/votes/seed{v}.parquet" for v in VOTERS]


def voter_generations(wildcards):
    return votes_of(f"{RESULTS}/round{wildcards.round}", wildcards.seed)


def voter_model(wildcards):
    """A voter's model of the round, for labelling another seed's prompts."""
    return f"{RESULTS}/round{wildcards.round}/seed{wildcards.voter}/model.pt"


def select_best_params(cfg):
    """train.select_best, when set, with the generation batch its validation decodes in."""
    if "select_best" not in cfg["train"]:
        return {}
    return {"select_best": cfg["train"]["select_best"], "batch_size": cfg["generation"]["batch_size"]}


SELECT_BEST = "select_best" in config["train"]


def eval_share_params(cfg):
    """How many evaluation prompts a difficulty that round-0 data covers may take: data.eval_max_share."""
    return {"max_share": cfg["data"]["eval_max_share"], "trained": cfg["data"]["base_difficulty"]}


def valid_params(cfg):
    """The validation split of train.select_best: drawn like round-0 data (the only ground truth
    the method may see), held out of training and disjoint from evaluation."""
    size = cfg["train"]["select_best"]["examples"] if "select_best" in cfg["train"] else 0
    return {"difficulty": cfg["data"]["base_difficulty"], "size": size, "seed": cfg["data"]["seed"], "max_share": cfg["data"]["eval_max_share"]}


def validation_split(wildcards):
    """Round r's validation split with train.select_best, else nothing."""
    return rules.valid_prompts.output[0] if SELECT_BEST else []


# --------------------------------------------------------------------------- sweeps (rules/sweep.smk)


def variant_config(wildcards):
    return VARIANTS[wildcards.variant]["config"]


def variant_task_params():
    """task_params of each wildcard's variant, one rule param per key."""
    return {
        "task": per_variant(lambda c: c["task"]),
        "task_options": per_variant(lambda c: c.get("task_options", {})),
        "task_version": per_variant(lambda c: build_task(c).VERSION),
    }


def per_variant(value):
    """A param computed from the variant config of the wildcards, e.g. per_variant(lambda cfg: cfg["model"])."""
    return lambda wildcards: value(variant_config(wildcards))


def data_owner(variant):
    """The first variant with the same task, data and validation settings: its prompts, validation split and training set
    serve every variant that differs only in the model or training (e.g. the positional encoding)."""
    key = lambda v: repr([VARIANTS[v]["config"].get(k) for k in ("task", "task_options", "data")] + [VARIANTS[v]["config"]["train"].get("select_best")])
    return next(v for v in VARIANTS if key(v) == key(variant))


def variant_data(name):
    """Input function: the variant's (shared) data file `name`."""
    return lambda wildcards: f"{RESULTS}/{data_owner(wildcards.variant)}/{name}"


def sweep_outputs(name):
    """`name` (a file under each seed's directory) of every variant and seed."""
    return [f"{RESULTS}/{v}/seed{s}/{name}" for v in VARIANTS for s in SEEDS]


# --------------------------------------------------------------------------- introspection (rules/introspection.smk)

if INTROSPECTION:
    from selfimprove.introspection.environments import make_environment

    try:
        ENVIRONMENT = make_environment(config)  # a missing problem file or a marker clash stops here
    except (ValueError, FileNotFoundError) as err:
        config_error("introspection.environment", str(err))
    _collect = INTROSPECTION["collect"]
    if _collect["source"] == "teacher":
        if "teacher" not in _collect:
            config_error("introspection.collect.teacher", "source 'teacher' needs a teacher: a model.pt or a Hugging Face model directory")
        if not Path(_collect["teacher"]).exists():
            config_error("introspection.collect.teacher", f"{_collect['teacher']} does not exist")
    # The longest episode a turn is generated from: the attempts a turn sees (the context window, or every
    # turn without one), each with its question and markers, plus the attempt being written.
    _window = INTROSPECTION.get("context_window", 2)
    _turns = max(INTROSPECTION["evaluate"]["turns"], INTROSPECTION["collect"]["turns"])
    _shown = _turns if _window is None or INTROSPECTION["evaluate"].get("full_history") else min(_window, _turns)
    if ENVIRONMENT.kind == "jsonl":
        _one = max(len(q) for t in ENVIRONMENT.files.values() for q in t["question"]) + ENVIRONMENT.max_new_tokens
    else:
        _one = difficulty.longest_sequence(TASK, config)
    EPISODE_TOKENS = _shown * (_one + 4) + 1
    _context = config["model"].get("max_seq_len", ModelConfig.max_seq_len)
    if not config["model"].get("init_from") and config["model"]["pos_encoding"] != "none" and EPISODE_TOKENS > _context:
        config_error("model.max_seq_len", f"{_context} tokens cannot hold the longest introspection episode (about {EPISODE_TOKENS} tokens: "
                     f"{_shown} attempts of up to {_one}); raise model.max_seq_len, or lower introspection.context_window or max_new_tokens")
    ITERATIONS = list(range(1, INTROSPECTION["iterations"] + 1))
    ARMS = ["rise"] + (["single_turn"] if INTROSPECTION.get("controls", {}).get("single_turn", True) else [])
    # What each model was evaluated as: the base model, then every arm's iterations.
    STAGES = ["base"] + [f"{arm}/iter{i}" for arm in ARMS for i in ITERATIONS]


def environment_params():
    """Exactly what an environment is built from (environments.make_environment), as one param: a
    change to anything else (iterations, evaluation turns, ...) must not re-run what it does not touch."""
    params = {"task": config["task"], "task_options": config.get("task_options", {}), "introspection": {},
              "data": {k: config["data"][k] for k in ("base_difficulty", "eval_difficulties")}}
    if "environment" in INTROSPECTION:
        params["introspection"]["environment"] = INTROSPECTION["environment"]
    return params


def eval_problem_count():
    """data.eval_examples per evaluated difficulty of a task; the first eval_examples test problems of a file."""
    if ENVIRONMENT.kind == "jsonl":
        return config["data"]["eval_examples"]
    return config["data"]["eval_examples"] * len(ENVIRONMENT.cells)


def stage_model(stage, seed):
    """The model file of an evaluated stage ('base' or '<arm>/iter<i>')."""
    return f"{RESULTS}/seed{seed}/{stage}/model.pt"


def start_model(arm, i, seed):
    """What iteration i of an arm starts from: the previous iteration's model, or the base model."""
    if i == 1 or INTROSPECTION.get("finetune_from", "previous") == "base":
        return stage_model("base", seed)
    return stage_model(f"{arm}/iter{i - 1}", seed)


def collection_model(wildcards):
    """Iteration i collects on-policy: with the rise arm's model of iteration i - 1 (the base model for i = 1)."""
    i = int(wildcards.iteration)
    return stage_model("base" if i == 1 else f"rise/iter{i - 1}", wildcards.seed)


def finetune_inputs(wildcards):
    """Iteration i's examples (with finetune_from: base, those of iterations 1..i) and its start."""
    i, seed = int(wildcards.iteration), wildcards.seed
    first = i if INTROSPECTION.get("finetune_from", "previous") == "previous" else 1
    return {
        "datasets": [f"{RESULTS}/seed{seed}/{wildcards.arm}/iter{j}/dataset.parquet" for j in range(first, i + 1)],
        "init": start_model(wildcards.arm, i, seed),
    }


def finetune_schedule():
    t, s = config["train"], INTROSPECTION["finetune"]
    return {**optimizer_params(t), "steps": s["steps"], "lr": s["lr"],
            "warmup_steps": s["warmup_steps"], "decay_steps": round(s["steps"] * s["decay_fraction"])}


def stage_keys():
    """{seed, arm, iteration} of every evaluation, in the order of the summary's inputs."""
    return [{"seed": s, "arm": arm, "iteration": i} for s in SEEDS for arm in ARMS for i in [0, *ITERATIONS]]  # 0: the base model


def stage_evals():
    stage = lambda k: "base" if k["iteration"] == 0 else f"{k['arm']}/iter{k['iteration']}"
    return [f"{RESULTS}/seed{k['seed']}/{stage(k)}/eval.parquet" for k in stage_keys()]
