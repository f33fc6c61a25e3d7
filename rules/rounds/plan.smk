# A self-improvement experiment: its checks (selfimprove/rounds/checks.py) and what the rules derive from them.

import functools

from selfimprove.rounds.checks import check_rounds
from selfimprove.rounds.noise import parse_setting
from selfimprove.tasks import difficulty
from selfimprove.workflow.checks import axis_labels
from selfimprove.engine.data import read_table

PLAN = check_rounds(config)
TASK = PLAN.task
AXIS_LABELS = axis_labels(TASK)
ROUNDS = PLAN.rounds
VOTERS = PLAN.voters  # the first `majority_vote.models` seeds
ACCEL = PLAN.accelerated  # a probe after each round decides what the next round labels (probe.smk)
NOISE = config.get("label_noise")  # one chain per setting (noise.smk)
NOISE_SETTINGS = PLAN.noise_settings
SELECT_BEST = "select_best" in config["train"]
CARRIES_OPTIMIZER = config["train"]["continue_training"] and config["train"]["carry_optimizer_state"]


def label_difficulties(wildcards):
    """The difficulties round r's model labels (the schedule in self_improve), as config values.

    Empty in accelerated mode: the round's probe table decides (an input of selflabel_prompts).
    """
    if ACCEL:
        return []
    cells = difficulty.labelled(TASK, config["self_improve"], PLAN.base_hi, int(wildcards.round))
    return [list(c) if isinstance(c, tuple) else c for c in cells]


def rounds_to_run():
    """Rounds 0..`rounds`; in accelerated mode with a `target`, only until the training data
    reaches it: that is known once the probes have run (a checkpoint), so the DAG grows as
    they finish."""
    if not (ACCEL and ACCEL.get("target")):
        return ROUNDS
    for r in ROUNDS[:-1]:
        probe = checkpoints.probe.get(round=r).output[0]
        if furthest_accepted(probe, Path(probe).stat().st_mtime_ns) >= ACCEL["target"]:
            return ROUNDS[: r + 2]  # round r's labels train round r + 1, which reaches the target
    return ROUNDS


@functools.lru_cache(maxsize=None)
def furthest_accepted(probe_table, mtime_ns):
    """The furthest difficulty a finished probe accepted, read once per version of the file: Snakemake
    evaluates the input functions that ask rounds_to_run() many times, and every call walks all the probes."""
    table = read_table(probe_table, ["difficulty", "accepted"])
    return table.loc[table["accepted"], "difficulty"].max()


def train_params(wildcards):
    return schedule_params(config, int(wildcards.round))


def continues(wildcards):
    return int(wildcards.round) > 0 and config["train"]["continue_training"]


def noise_rounds(setting):
    """The rounds a noisy chain trains itself: after its start round, `continue_rounds` of them."""
    start = parse_setting(setting)["start"]
    return list(range(start + 1, start + 1 + NOISE["continue_rounds"]))
