"""Workflow stages that run a model: train, generate (self-label) and evaluate.

Each function reads input files, computes, and writes output files; `workflow_scripts/`
call them. They take paths and plain values, never a Snakemake object (`task_version` is
unused here: rules pass it only so that bumping a task's VERSION re-runs them).
"""

from __future__ import annotations

import logging

from selfimprove.engine.checkpoint import load_checkpoint
from selfimprove.engine.data import DIFFICULTY, read_table, write_table
from selfimprove.engine.device import pick_device
from selfimprove.engine.evaluate import accuracy_by_difficulty, label_prompts, teacher_forced_correct
from selfimprove.engine.model import ModelConfig
from selfimprove.engine.train import TrainConfig, train_round_to_files
from selfimprove.tasks import get_task

log = logging.getLogger(__name__)


def train(
    dataset,
    model_out,
    log_out,
    *,
    init=None,
    pretrained=None,
    valid=None,
    model,
    train,
    seed,
    device,
    threads,
    task,
    task_options=None,
    task_version=None,
    select_best=None,
    batch_size=256,
    snapshots=None,
    tracker=None,
):
    """Round 0 from scratch (or from the `pretrained` checkpoint directory); later rounds from `init`.

    `select_best` ({every, examples}): keep the checkpoint with the best greedy exact match on
    the validation table `valid` (rule valid_prompts: drawn like round-0 data, never trained on,
    never an evaluation prompt). `snapshots` may set `checkpoint_every`
    (how often a resumable snapshot is saved). `tracker`: a tracking.Tracker for the log.
    """
    dev = pick_device(device, threads)
    df = read_table(dataset)
    log.info("training on %d examples (%s)", len(df), df.groupby(["source", "round"]).size().to_dict())
    the_task = get_task(task, task_options)
    alphabet = the_task.alphabet
    masks = [the_task.supervised_in_prompt(p) for p in df["prompt"]]
    if all(m is None for m in masks):
        masks = None
    if select_best:
        if valid is None:
            raise ValueError("train.select_best needs its validation split (rule valid_prompts); none was given")
        valid = read_table(valid, ["prompt", "target", *DIFFICULTY])
        overlap = len(set(valid["prompt"]) & set(df["prompt"]))
        if overlap:
            raise ValueError(f"{overlap} validation prompts are also training prompts; the split must be held out")
        log.info("validation split: %d examples at difficulties %s", len(valid), sorted(int(d) for d in valid["difficulty"].unique()))
        kwargs_select = {"validate": lambda m, tok: label_prompts(m, tok, the_task, valid, batch_size, progress=False)["correct"].mean()}
        train = {**train, "select_every": select_best["every"]}
    else:
        kwargs_select = {}
    train_round_to_files(
        df,
        TrainConfig(seed=seed, **train, **(snapshots or {})),
        model_out,
        log_out,
        device=dev,
        prompt_masks=masks,
        tracker=tracker,
        **kwargs_select,
        **model_start(model, alphabet, init, pretrained),
    )


def model_start(model: dict, alphabet: str, init=None, pretrained=None) -> dict:
    """train_round's keyword arguments for where a training run starts: a previous checkpoint
    (`init`), a pretrained Hugging Face directory, or a fresh model of the config's `model` block."""
    if init:
        return {"init_checkpoint": init}
    if pretrained:
        return {"pretrained": pretrained, "alphabet": alphabet, "lora": model.get("lora")}
    if model.get("lora"):
        raise ValueError("model.lora adapts a pretrained start; set model.init_from too")
    dims = {k: v for k, v in model.items() if k not in ("init_from", "lora")}
    return {"model_config": ModelConfig(vocab_size=0, **dims), "alphabet": alphabet}


def label(model_path, prompts_path, *, task, batch_size, device, threads, task_options=None, task_version=None, teacher_forced=False):
    """Greedy answers of a model to a prompt table (used for self-labelling and evaluation);
    with `teacher_forced`, also whether the model gets every target token right given the
    true prefix (`tf_correct`) and, where the task states it, the chance level (`chance`)."""
    model, tok, _ = load_checkpoint(model_path, pick_device(device, threads))
    prompts = read_table(prompts_path, ["prompt", "target", *DIFFICULTY])
    the_task = get_task(task, task_options)
    labelled = label_prompts(model, tok, the_task, prompts, batch_size)
    log.info("accuracy of these labels against ground truth: %.4f", labelled["correct"].mean())
    if teacher_forced:  # evaluation: the teacher-forced figure, and chance where the task states it
        labelled["tf_correct"] = teacher_forced_correct(model, tok, prompts["prompt"], prompts["target"], batch_size)
        log.info("teacher-forced accuracy: %.4f", labelled["tf_correct"].mean())
        checks = [the_task.validity(p, a) for p, a in zip(labelled["prompt"], labelled["prediction"])]
        if checks and checks[0] is not None:  # the maze's format / moves / endpoints, beside exact match
            for name in checks[0]:
                labelled[name] = [c[name] for c in checks]
        chance = [the_task.chance_accuracy(p) for p in labelled["prompt"]]
        if any(c is not None for c in chance):
            labelled["chance"] = chance
    return labelled


def evaluate(model_path, prompts_path, out, *, round, seed, **params):
    """Exact match of greedy generation per difficulty (and group), beside the teacher-forced figure."""
    acc = accuracy_by_difficulty(label(model_path, prompts_path, teacher_forced=True, **params))
    acc.insert(0, "seed", seed)
    acc.insert(0, "round", round)
    log.info("accuracy per difficulty:\n%s", acc.to_string(index=False))
    write_table(acc, out)
