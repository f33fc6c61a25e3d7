"""Workflow stages that only move tables: sampling prompts, filtering labels, building datasets.

Each function reads input files, computes, and writes output files; `workflow_scripts/`
call them. They take paths and plain values, never a Snakemake object (`task_version` is
unused here: rules pass it only so that bumping a task's VERSION re-runs them), and do not import
torch, so these short jobs start fast.
"""

from __future__ import annotations

import logging

import pandas as pd

from .data import (
    EXAMPLE_COLUMNS,
    make_base_dataset,
    make_eval_prompts,
    make_probe_prompts,
    make_selflabel_prompts,
    make_valid_prompts,
    read_table,
    write_table,
)
from . import difficulty as difficulty_
from .filters import apply_filters
from .noise import corrupt_table
from .probe import accepted_difficulties
from .tasks import get_task

log = logging.getLogger(__name__)


def eval_prompts(out, *, task, difficulties, per_difficulty, seed, max_share=None, trained=None, task_options=None, task_version=None):
    """`difficulties`: [lowest, highest] (config values); every difficulty between is evaluated.
    Inside the `trained` range (round-0 data's [lowest, highest]) at most `max_share` of each
    difficulty's distinct prompts, so that training keeps the rest."""
    t = get_task(task, task_options)
    cells = lambda pair: difficulty_.between(t, *(difficulty_.parse(t, d) for d in pair))
    difficulties = cells(difficulties)
    df = make_eval_prompts(t, difficulties, per_difficulty, seed, max_share, cells(trained) if trained else ())
    log.info("%d evaluation prompts at difficulties %s", len(df), list(difficulties))
    write_table(df, out)


def valid_prompts(eval_prompts_path, out, *, task, difficulty, size, seed, max_share, task_options=None, task_version=None):
    """The validation split of train.select_best: drawn like round-0 data, never an evaluation prompt."""
    t = get_task(task, task_options)
    exclude = held_out(t, eval_prompts_path)
    lo, hi = (difficulty_.parse(t, d) for d in difficulty)
    df = make_valid_prompts(t, lo, hi, size, seed, exclude, max_share)
    log.info("%d validation prompts at difficulties %s", len(df), sorted(df["difficulty"].unique().tolist()))
    write_table(df, out)


def held_out(task, *paths) -> set:
    """The prompts of every table in `paths` (evaluation, validation), and of every example a packed
    one holds (Task.prompt_keys): never trained on."""
    return {k for path in paths if path for p in read_table(path, ["prompt"])["prompt"] for k in task.prompt_keys(p)}


def base_dataset(eval_prompts_path, out, *, task, difficulty, size, seed, model_seed=0, valid_prompts_path=None, task_options=None, task_version=None):
    """`difficulty`: the [lowest, highest] difficulty of round-0 data, as config values; drawn
    from model seed `model_seed`'s own stream."""
    t = get_task(task, task_options)
    lo, hi = (difficulty_.parse(t, d) for d in difficulty)
    df = make_base_dataset(t, lo, hi, size, seed, held_out(t, eval_prompts_path, valid_prompts_path), model_seed)
    write_table(df, out)


def selflabel_prompts(eval_prompts_path, out, *, task, difficulties, size, round, seed, model_seed=0, probe_path=None, task_options=None, task_version=None):
    """`size` prompts at each of `difficulties` (config values), from model seed `model_seed`'s
    own stream. With a probe table (accelerated mode), its accepted difficulties instead, `size`
    spread over them."""
    t = get_task(task, task_options)
    if probe_path is not None:
        difficulties = accepted_difficulties(read_table(probe_path, ["difficulty", "accepted"]))
        size = max(1, size // len(difficulties))
    exclude = held_out(t, eval_prompts_path)
    df = make_selflabel_prompts(t, [difficulty_.parse(t, d) for d in difficulties], size, round, seed, exclude, model_seed)
    log.info("round %d, seed %d: %d prompts at difficulties %s to self-label", round, model_seed, len(df), difficulties)
    write_table(df, out)


def filter_labels(own, voters, out, *, seed, task, filters, majority_vote, task_options=None, task_version=None):
    own_df = read_table(own, ["prompt", "prediction", "ended"])
    table = apply_filters(own_df, [read_table(p, ["prompt", "prediction", "ended"]) for p in voters], filters, get_task(task, task_options), majority_vote)
    table.insert(0, "seed", seed)
    kept = table[table["accepted"]]
    log.info(
        "kept %d of %d; label accuracy %.4f before filtering, %.4f after; rejections: %s",
        len(kept), len(table), own_df["correct"].mean(), kept["label_correct"].mean() if len(kept) else float("nan"),
        table.loc[~table["accepted"], "reason"].value_counts().to_dict(),
    )
    write_table(table, out)


def build_dataset(previous, accepted, out):
    """The previous round's training set plus this round's accepted self-labelled examples."""
    acc = read_table(accepted, [*EXAMPLE_COLUMNS, "accepted"])
    new = acc.loc[acc["accepted"], list(EXAMPLE_COLUMNS)]
    df = pd.concat([read_table(previous), new], ignore_index=True).astype(EXAMPLE_COLUMNS)
    log.info("%d examples (%d new self-labelled)", len(df), len(new))
    write_table(df, out)


def probe_prompts(eval_prompts_path, out, *, previous_probe=None, task, base_max, max_jump, size, round, seed, task_options=None, task_version=None):
    """Fresh prompts at the `max_jump` difficulties past round `round`'s frontier: the base
    data's top for round 0, else the furthest difficulty the previous probe accepted."""
    frontier = max(accepted_difficulties(read_table(previous_probe, ["difficulty", "accepted"]))) if previous_probe else base_max
    difficulties = list(range(frontier + 1, frontier + max_jump + 1))
    exclude = held_out(get_task(task, task_options), eval_prompts_path)
    log.info("round %d: probing difficulties %s", round, difficulties)
    write_table(make_probe_prompts(get_task(task, task_options), difficulties, size, round, seed, exclude), out)


def corrupt_labels(accepted, out, *, kind, fraction, start, trial, seed):
    """A noisy copy of round `start`'s accepted labels; (trial, seed) seeds the corruption."""
    table = corrupt_table(read_table(accepted, [*EXAMPLE_COLUMNS, "accepted", "true_target"]), kind, fraction, seed=f"{start}:{trial}:{seed}")
    log.info("%s noise: %d of %d accepted labels corrupted; accepted labels now %.4f correct",
             kind, table["corrupted"].sum(), table["accepted"].sum(), table.loc[table["accepted"], "label_correct"].mean())
    write_table(table, out)
