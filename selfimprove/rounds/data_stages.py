"""Self-improvement stages that only move tables: self-label prompts, filtering labels, building datasets,
probe prompts, label noise.

Each reads input files, computes, and writes output files; they take paths, the rule's Job and plain values,
never a Snakemake object, and do not import torch, so these short jobs start fast.
"""

from __future__ import annotations

import logging

from selfimprove.engine.data import (
    EXAMPLE_COLUMNS,
    as_text,
    as_tokens,
    make_probe_prompts,
    make_selflabel_prompts,
    read_table,
    write_table,
)
from selfimprove.engine.data_stages import held_out
from selfimprove.rounds.filters import apply_filters
from selfimprove.rounds.noise import corrupt_table
from selfimprove.rounds.probe import accepted_difficulties
from selfimprove.tasks import difficulty as difficulty_
from selfimprove.workflow.job import Job

log = logging.getLogger(__name__)


def selflabel_prompts(eval_prompts_path, out, job: Job, *, difficulties, size, round, seed, model_seed=0, probe_path=None):
    """`size` prompts at each of `difficulties` (config values), from model seed `model_seed`'s
    own stream. With a probe table (accelerated mode), its accepted difficulties instead, `size`
    spread over them."""
    t = job.build_task()
    if probe_path is not None:
        difficulties = accepted_difficulties(read_table(probe_path, ["difficulty", "accepted"]))
        size = max(1, size // len(difficulties))
    exclude = held_out(t, eval_prompts_path)
    df = make_selflabel_prompts(t, [difficulty_.parse(t, d) for d in difficulties], size, round, seed, exclude, model_seed)
    log.info("round %d, seed %d: %d prompts at difficulties %s to self-label", round, model_seed, len(df), difficulties)
    write_table(as_text(df, t), out)


def filter_labels(own, voters, out, job: Job, *, seed, filters, majority_vote):
    t = job.build_task()
    own_df = as_tokens(read_table(own, ["prompt", "prediction", "ended"]), t)
    votes = [as_tokens(read_table(p, ["prompt", "prediction", "ended"]), t) for p in voters]
    table = apply_filters(own_df, votes, filters, t, majority_vote)
    table.insert(0, "seed", seed)
    kept = table[table["accepted"]]
    log.info(
        "kept %d of %d; label accuracy %.4f before filtering, %.4f after; rejections: %s",
        len(kept),
        len(table),
        own_df["correct"].mean(),
        kept["label_correct"].mean() if len(kept) else float("nan"),
        table.loc[~table["accepted"], "reason"].value_counts().to_dict(),
    )
    write_table(as_text(table, t), out)


def build_dataset(accepted, out):
    """A round's new training examples: the self-labels the round before it accepted. The round trains on
    these and every earlier round's (rules/rounds/paths.smk: training_parts), which are not copied."""
    acc = read_table(accepted, [*EXAMPLE_COLUMNS, "accepted"])
    new = acc.loc[acc["accepted"], list(EXAMPLE_COLUMNS)].astype(EXAMPLE_COLUMNS)
    log.info("%d new self-labelled examples (of %d labelled)", len(new), len(acc))
    write_table(new, out)


def probe_prompts(eval_prompts_path, out, job: Job, *, previous_probe=None, base_max, max_jump, size, round, seed):
    """Fresh prompts at the `max_jump` difficulties past round `round`'s frontier: the base
    data's top for round 0, else the furthest difficulty the previous probe accepted."""
    frontier = max(accepted_difficulties(read_table(previous_probe, ["difficulty", "accepted"]))) if previous_probe else base_max
    difficulties = list(range(frontier + 1, frontier + max_jump + 1))
    t = job.build_task()
    exclude = held_out(t, eval_prompts_path)
    log.info("round %d: probing difficulties %s", round, difficulties)
    write_table(as_text(make_probe_prompts(t, difficulties, size, round, seed, exclude), t), out)


def corrupt_labels(accepted, out, job: Job, *, noise: dict, seed):
    """A noisy copy of round `start`'s accepted labels; (trial, seed) seeds the corruption, which acts on the
    task's tokens (a digit of addition, a whole number of counting). `noise`: kind, fraction, start, trial."""
    t = job.build_task()
    kind, fraction, start, trial = (noise[k] for k in ("kind", "fraction", "start", "trial"))
    labels = as_tokens(read_table(accepted, [*EXAMPLE_COLUMNS, "accepted", "true_target"]), t)
    table = corrupt_table(labels, kind, fraction, seed=f"{start}:{trial}:{seed}")
    log.info(
        "%s noise: %d of %d accepted labels corrupted; accepted labels now %.4f correct",
        kind,
        table["corrupted"].sum(),
        table["accepted"].sum(),
        table.loc[table["accepted"], "label_correct"].mean(),
    )
    write_table(as_text(table, t), out)
