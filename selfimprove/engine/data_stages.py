"""Workflow stages that draw tables every family uses: evaluation prompts, the validation split, round-0 data.

Each reads input files, computes, and writes output files; they take paths, the rule's Job (the task, and
where it runs) and plain values, never a Snakemake object, and do not import torch, so these short jobs
start fast. Tables hold the task's text (data.as_text); the stages work on its tokens.
"""

from __future__ import annotations

import logging

from selfimprove.engine.data import as_text, as_tokens, make_base_dataset, make_eval_prompts, make_valid_prompts, read_table, write_table
from selfimprove.tasks import difficulty as difficulty_
from selfimprove.workflow.job import Job

log = logging.getLogger(__name__)


def eval_prompts(out, job: Job, *, difficulties, per_difficulty, seed, max_share=None, trained=None):
    """`difficulties`: [lowest, highest] (config values); every difficulty between is evaluated.
    Inside the `trained` range (round-0 data's [lowest, highest]) at most `max_share` of each
    difficulty's distinct prompts, so that training keeps the rest."""
    t = job.build_task()
    cells = lambda pair: difficulty_.between(t, *(difficulty_.parse(t, d) for d in pair))
    difficulties = cells(difficulties)
    df = make_eval_prompts(t, difficulties, per_difficulty, seed, max_share, cells(trained) if trained else ())
    log.info("%d evaluation prompts at difficulties %s", len(df), list(difficulties))
    write_table(as_text(df, t), out)


def valid_prompts(eval_prompts_path, out, job: Job, *, difficulty, size, seed, max_share):
    """The validation split of train.select_best: drawn like round-0 data, never an evaluation prompt."""
    t = job.build_task()
    exclude = held_out(t, eval_prompts_path)
    lo, hi = (difficulty_.parse(t, d) for d in difficulty)
    df = make_valid_prompts(t, lo, hi, size, seed, exclude, max_share)
    log.info("%d validation prompts at difficulties %s", len(df), sorted(df["difficulty"].unique().tolist()))
    write_table(as_text(df, t), out)


def held_out(task, *paths) -> set:
    """The prompts of every table in `paths` (evaluation, validation), and of every example a packed
    one holds (Task.prompt_keys): never trained on."""
    return {k for path in paths if path for p in as_tokens(read_table(path, ["prompt"]), task)["prompt"] for k in task.prompt_keys(p)}


def base_dataset(eval_prompts_path, out, job: Job, *, difficulty, size, seed, model_seed=0, valid_prompts_path=None):
    """`difficulty`: the [lowest, highest] difficulty of round-0 data, as config values; drawn
    from model seed `model_seed`'s own stream."""
    t = job.build_task()
    lo, hi = (difficulty_.parse(t, d) for d in difficulty)
    df = make_base_dataset(t, lo, hi, size, seed, held_out(t, eval_prompts_path, valid_prompts_path), model_seed)
    write_table(as_text(df, t), out)
