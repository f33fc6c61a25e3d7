"""Workflow stages that run a model and every family uses: train, label a prompt table, evaluate.

Each function reads input files, computes, and writes output files; `workflow_scripts/` call them with
paths, the rule's Job (the task, and where it runs) and the rule's own settings, never a Snakemake object.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from selfimprove.engine.checkpoint import load_checkpoint
from selfimprove.engine.data import DIFFICULTY, as_tokens, read_table, write_table
from selfimprove.engine.evaluate import accuracy_by_difficulty, label_prompts, teacher_forced_correct
from selfimprove.engine.model import ModelConfig
from selfimprove.engine.train import TrainConfig, train_round_to_files
from selfimprove.workflow.job import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainInputs:
    """The files a training run reads: its data, and where it starts and what it validates on."""

    dataset: list[str]  # the parts of the training set, oldest first (a sweep: one)
    init: str | None = None  # continue this checkpoint (later rounds)
    init_optimizer: str | None = None  # and this optimizer state, when it is not inside the checkpoint
    pretrained: str | None = None  # or start from this Hugging Face directory (round 0 of a pretrained start)
    valid: str | None = None  # train.select_best's validation split


@dataclass(frozen=True)
class TrainSettings:
    """A rule's training params: the model block, the round's schedule, the run's seed, and with
    train.select_best ({every, examples}) the validation it keeps the best checkpoint by."""

    model: dict
    train: dict
    seed: int
    select_best: dict | None = None
    batch_size: int = 256  # the validation's generation batch


def train(inputs: TrainInputs, model_out, log_out, job: Job, settings: TrainSettings, *, optimizer_out=None, snapshots=None, tracker=None):
    """Round 0 from scratch (or from `inputs.pretrained`); later rounds from `inputs.init`. With
    `optimizer_out` the optimizer state is written there and `model_out` holds the weights alone.
    `snapshots` may set `checkpoint_every` (how often a resumable snapshot is saved); `tracker` receives the log."""
    task = job.build_task()
    df = as_tokens(pd.concat([read_table(p) for p in inputs.dataset], ignore_index=True), task)
    log.info("training on %d examples (%s)", len(df), df.groupby(["source", "round"]).size().to_dict())
    masks = [task.supervised_in_prompt(p) for p in df["prompt"]]
    schedule, selection = dict(settings.train), {}
    if settings.select_best:
        selection = {"validate": validation(inputs.valid, df, task, settings.batch_size)}
        schedule["select_every"] = settings.select_best["every"]
    train_round_to_files(
        df,
        TrainConfig(seed=settings.seed, **schedule, **(snapshots or {})),
        model_out,
        log_out,
        device=job.torch_device(),
        prompt_masks=None if all(m is None for m in masks) else masks,
        tracker=tracker,
        optimizer_out=optimizer_out,
        **selection,
        **model_start(settings.model, task.alphabet, inputs, inputs.pretrained),
    )


def validation(valid_path, train_df, task, batch_size):
    """train.select_best's measure: greedy exact match on the held-out validation split."""
    if valid_path is None:
        raise ValueError("train.select_best needs its validation split (rule valid_prompts); none was given")
    valid = as_tokens(read_table(valid_path, ["prompt", "target", *DIFFICULTY]), task)
    overlap = len(set(valid["prompt"]) & set(train_df["prompt"]))
    if overlap:
        raise ValueError(f"{overlap} validation prompts are also training prompts; the split must be held out")
    log.info("validation split: %d examples at difficulties %s", len(valid), sorted(int(d) for d in valid["difficulty"].unique()))
    return lambda model, tok: label_prompts(model, tok, task, valid, batch_size, progress=False)["correct"].mean()


def model_start(model: dict, alphabet: str, inputs: TrainInputs, pretrained=None) -> dict:
    """train_round's keyword arguments for where a training run starts: a previous checkpoint
    (`inputs.init`, with `inputs.init_optimizer`), a pretrained Hugging Face directory, or a fresh model
    of the config's `model` block."""
    if inputs.init:
        return {"init_checkpoint": inputs.init, "init_optimizer": inputs.init_optimizer}
    if pretrained:
        return {"pretrained": pretrained, "alphabet": alphabet, "lora": model.get("lora")}
    if model.get("lora"):
        raise ValueError("model.lora adapts a pretrained start; set model.init_from too")
    dims = {k: v for k, v in model.items() if k not in ("init_from", "lora")}
    return {"model_config": ModelConfig(vocab_size=0, **dims), "alphabet": alphabet}


def label(model_path, prompts_path, job: Job, *, batch_size, teacher_forced=False):
    """Greedy answers of a model to a prompt table (used for self-labelling and evaluation), as tokens;
    with `teacher_forced`, also whether the model gets every target token right given the
    true prefix (`tf_correct`) and, where the task states it, the chance level (`chance`)."""
    model, tok, _ = load_checkpoint(model_path, job.torch_device())
    task = job.build_task()
    prompts = as_tokens(read_table(prompts_path, ["prompt", "target", *DIFFICULTY]), task)
    labelled = label_prompts(model, tok, task, prompts, batch_size)
    log.info("accuracy of these labels against ground truth: %.4f", labelled["correct"].mean())
    if teacher_forced:  # evaluation: the teacher-forced figure, and chance where the task states it
        labelled["tf_correct"] = teacher_forced_correct(model, tok, prompts["prompt"], prompts["target"], batch_size)
        log.info("teacher-forced accuracy: %.4f", labelled["tf_correct"].mean())
        checks = [task.validity(p, a) for p, a in zip(labelled["prompt"], labelled["prediction"])]
        if checks and checks[0] is not None:  # the maze's format / moves / endpoints, beside exact match
            for name in checks[0]:
                labelled[name] = [c[name] for c in checks]
        if task.final_answer(labelled["target"].iloc[0] if len(labelled) else "") is not None:  # e.g. the parity bit
            labelled["final_correct"] = [
                task.final_answer(a) == task.final_answer(t) for a, t in zip(labelled["prediction"], labelled["target"])
            ]
        chance = [task.chance_accuracy(p) for p in labelled["prompt"]]
        if any(c is not None for c in chance):
            labelled["chance"] = chance
    return labelled


def evaluate(model_path, prompts_path, out, job: Job, *, batch_size, round, seed):
    """Exact match of greedy generation per difficulty (and group), beside the teacher-forced figure."""
    acc = accuracy_by_difficulty(label(model_path, prompts_path, job, batch_size=batch_size, teacher_forced=True))
    acc.insert(0, "seed", seed)
    acc.insert(0, "round", round)
    log.info("accuracy per difficulty:\n%s", acc.to_string(index=False))
    write_table(acc, out)
