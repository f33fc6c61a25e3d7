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
    make_selflabel_prompts,
    read_table,
    write_table,
)
from .filters import apply_filters
from .tasks import get_task

log = logging.getLogger(__name__)


def eval_prompts(out, *, task, difficulties, per_difficulty, seed, task_version=None):
    df = make_eval_prompts(get_task(task), difficulties, per_difficulty, seed)
    log.info("%d evaluation prompts at difficulties %s", len(df), list(difficulties))
    write_table(df, out)


def base_dataset(eval_prompts_path, out, *, task, difficulty, size, seed, task_version=None):
    exclude = set(read_table(eval_prompts_path, ["prompt"])["prompt"])
    df = make_base_dataset(get_task(task), difficulty[0], difficulty[1], size, seed, exclude)
    write_table(df, out)


def selflabel_prompts(eval_prompts_path, out, *, task, difficulty, size, round, seed, task_version=None):
    exclude = set(read_table(eval_prompts_path, ["prompt"])["prompt"])
    df = make_selflabel_prompts(get_task(task), difficulty, size, round, seed, exclude)
    log.info("round %d: %d prompts at difficulty %d to self-label", round, len(df), difficulty)
    write_table(df, out)


def filter_labels(own, voters, out, *, seed, task, filters, majority_vote, task_version=None):
    own_df = read_table(own, ["prompt", "prediction", "ended"])
    table = apply_filters(own_df, [read_table(p, ["prompt", "prediction", "ended"]) for p in voters], filters, get_task(task), majority_vote)
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
