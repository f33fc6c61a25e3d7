# What every experiment family shares; no rules here.
#
# Everything below runs when Snakemake parses the workflow, before any job: a bad configuration
# stops here (or in its family's checks, rules/<family>/plan.smk) and nothing is written under results/.

import re
from pathlib import Path

from selfimprove.tasks import get_task
from selfimprove.workflow.checks import family_of
from selfimprove.workflow.config_check import check_schema
from selfimprove.workflow.jobs import scheduler_resources, without_scheduling
from selfimprove.workflow.presets import assemble, load
from selfimprove.workflow.provenance import git_commit, library_versions

SCHEMA = workflow.source_path("../config/schema.yaml")
# A preset's `extends:` bases go between config/config.yaml and the preset, then its scale (selfimprove/workflow/presets.py).
assemble(config, load(workflow.source_path("../config/config.yaml")), workflow.config_settings.overwrite_config, Path(workflow.basedir))
check_schema(config, SCHEMA, fill_defaults=True)  # names the key and what it allows; fills in optional keys
FAMILY = family_of(config)  # rounds, sweep, introspection or arms: which rules/<family>/ runs


EXP = config["experiment"]
RESULTS = f"results/{EXP}/{config['arm']['name']}" if config.get("arm") else f"results/{EXP}"  # an arm: rules/rounds/arms.smk
SEEDS = config["seeds"]


def summary_file(name, ext="parquet"):
    return f"{RESULTS}/summary/{name}.{ext}"


def plot_file(name):
    return f"{RESULTS}/plots/{name}.png"


def log_file(name):
    return f"{RESULTS}/logs/{name}.log"


wildcard_constraints:
    seed=r"\d+",


# What each job asks a scheduler for (selfimprove/workflow/jobs.py; the config's optional `resources`).
# Model jobs run `threads` torch threads and hold GPUs when the device can be CUDA; data jobs
# are single-threaded and CPU-only.
ON_CLUSTER = workflow.nodes is not None  # a cluster executor sets --jobs (Snakemake's _nodes); one machine does not
MODEL_JOB = scheduler_resources("model_jobs", config, retried=ON_CLUSTER)
DATA_JOB = scheduler_resources("data_jobs", config, retried=ON_CLUSTER)


# How jobs become cluster jobs (profiles/slurm). Table jobs are `localrule`s: they run where
# Snakemake runs, never in a Slurm queue or on a GPU. The data every later job starts from
# (evaluation prompts, round-0 data) is one CPU job of group DATA_GROUP; the model jobs of one
# unit of work (a round and seed, a variant and seed, an iteration and seed) are one GPU job, by
# the `group:` ids of each family's paths.smk.
DATA_GROUP = "data"
# Groups matter only where jobs are submitted: a cluster executor sets --jobs (Snakemake's _nodes). On one
# machine they change nothing and cost planning time (Snakemake checks every group against everything
# upstream of it, which grows with the square of the rounds), so there they are left out.


def cluster_group(group):
    """A rule's `group:` (a name with wildcards, or a function of them), on a cluster only; an arm's own (rules/rounds/arms.smk)."""
    arm = re.sub(r"\W", "_", config["arm"]["name"]) + "_" if config.get("arm") and group != DATA_GROUP else ""
    named = (lambda wc: arm + group(wc)) if callable(group) else arm + group
    return named if ON_CLUSTER else None


# The GPUs the model jobs running at once may hold: on one machine, all of its jobs; in a cluster,
# the jobs of one group job (a local scope), which then take turns on the GPUs the group holds
# instead of requesting one each. `--resources gpu=N` overrides it (N GPUs on this machine).
resource_scopes:
    gpu="local",


if MODEL_JOB.get("gpu") and "gpu" not in workflow.global_resources:
    workflow.register_resource("gpu", MODEL_JOB["gpu"])


# Conda environment of every rule, for --software-deployment-method conda (flash-attn only on GPUs),
# relative to the rule files in rules/<family>/.
ENV_FILE = "gpu.yaml" if config["device"] == "cuda" else "cpu.yaml"
CONDA_ENV = f"../../envs/{ENV_FILE}"


def task_params(cfg=config):
    """What a job needs to rebuild the task; the version only makes Snakemake re-run it when it changes."""
    options = {"task_options": cfg["task_options"]} if cfg.get("task_options") else {}
    return {"task": cfg["task"], **options, "task_version": get_task(cfg["task"], cfg.get("task_options")).VERSION}


def runtime_params():
    """Where a model job runs. Its thread count is Snakemake's `threads:` (selfimprove.workflow.job.rule_params), not a param."""
    return {"device": config["device"]}


def optimizer_params(t):
    """The settings of `train` every training run shares, whatever its schedule."""
    keys = ("batch_size", "min_lr_ratio", "weight_decay", "grad_clip", "betas", "eps", "sampling", "carry_optimizer_state")
    return {k: t[k] for k in keys}


def schedule_params(cfg, round_):
    """Round 0 trains from scratch on its schedule; later rounds continue on theirs."""
    t = cfg["train"]
    schedule = t["base_round"] if round_ == 0 else t["later_rounds"]
    # round 0 has no self-labels; round r ends with round r - 1's labels
    mixture = (
        {}
        if round_ == 0
        else {"newest_fraction": t["newest_fraction"], "mixture_weights": t["mixture_weights"], "newest_round": round_ - 1}
    )
    return {**optimizer_params(t), **mixture, **lr_schedule(schedule)}


def lr_schedule(schedule):
    """steps, lr, warmup_steps and decay_steps of a schedule block (base_round, later_rounds, finetune)."""
    return {
        "steps": schedule["steps"],
        "lr": schedule["lr"],
        "warmup_steps": schedule["warmup_steps"],
        "decay_steps": round(schedule["steps"] * schedule["decay_fraction"]),
    }


def select_best_params(cfg):
    """train.select_best, when set, with the generation batch its validation decodes in."""
    if "select_best" not in cfg["train"]:
        return {}
    return {"select_best": cfg["train"]["select_best"], "batch_size": cfg["generation"]["batch_size"]}


def eval_share_params(cfg):
    """How many evaluation prompts a difficulty that round-0 data covers may take: data.eval_max_share."""
    return {"max_share": cfg["data"]["eval_max_share"], "trained": cfg["data"]["base_difficulty"]}


def valid_params(cfg):
    """The validation split of train.select_best: drawn like round-0 data (the only ground truth
    the method may see), held out of training and disjoint from evaluation."""
    size = cfg["train"]["select_best"]["examples"] if "select_best" in cfg["train"] else 0
    return {
        "difficulty": cfg["data"]["base_difficulty"],
        "size": size,
        "seed": cfg["data"]["seed"],
        "max_share": cfg["data"]["eval_max_share"],
    }
