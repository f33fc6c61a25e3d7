"""Workflow stages that run a model: train, generate (self-label) and evaluate.

Each function reads input files, computes, and writes output files; `workflow_scripts/`
call them. They take paths and plain values, never a Snakemake object (`task_version` is
unused here: rules pass it only so that bumping a task's VERSION re-runs them).
"""

from __future__ import annotations

import logging

import pandas as pd

from .checkpoint import load_checkpoint
from .data import DIFFICULTY, read_table, write_table
from .device import pick_device
from .evaluate import accuracy_by_difficulty, label_prompts
from .model import ModelConfig
from .probe import decide
from .tasks import get_task
from .train import TrainConfig, train_round_to_files

log = logging.getLogger(__name__)


def train(dataset, model_out, log_out, *, init=None, pretrained=None, model, train, seed, device, threads, task, task_version=None, snapshots=None):
    """Round 0 from scratch (or from the `pretrained` checkpoint directory); later rounds from `init`.

    `snapshots` may set `checkpoint_every` (how often a resumable snapshot is saved).
    """
    dev = pick_device(device, threads)
    df = read_table(dataset)
    log.info("training on %d examples (%s)", len(df), df.groupby(["source", "round"]).size().to_dict())
    alphabet = get_task(task).alphabet
    if init:
        kwargs = {"init_checkpoint": init}
    elif pretrained:
        kwargs = {"pretrained": pretrained, "alphabet": alphabet, "lora": model.get("lora")}
    else:
        if model.get("lora"):
            raise ValueError("model.lora adapts a pretrained start; set model.init_from too")
        dims = {k: v for k, v in model.items() if k not in ("init_from", "lora")}
        kwargs = {"model_config": ModelConfig(vocab_size=0, **dims), "alphabet": alphabet}
    train_round_to_files(df, TrainConfig(seed=seed, **train, **(snapshots or {})), model_out, log_out, device=dev, **kwargs)


def label(model_path, prompts_path, *, task, batch_size, device, threads, task_version=None):
    """Greedy answers of a model to a prompt table (used for self-labelling and evaluation)."""
    model, tok, _ = load_checkpoint(model_path, pick_device(device, threads))
    labelled = label_prompts(model, tok, get_task(task), read_table(prompts_path, ["prompt", "target", *DIFFICULTY]), batch_size)
    log.info("accuracy of these labels against ground truth: %.4f", labelled["correct"].mean())
    return labelled


def generate(model_path, prompts_path, out, **params):
    write_table(label(model_path, prompts_path, **params), out)


def evaluate(model_path, prompts_path, out, *, round, seed, **params):
    acc = accuracy_by_difficulty(label(model_path, prompts_path, **params))
    acc.insert(0, "seed", seed)
    acc.insert(0, "round", round)
    log.info("accuracy per difficulty:\n%s", acc.to_string(index=False))
    write_table(acc, out)


def probe(model_paths, prompts_path, out, *, seeds, threshold, task, batch_size, device, threads, task_version=None):
    """Accelerated mode: every seed's model on the probe prompts -> which difficulties to label next."""
    per_seed = []
    for seed, path in zip(seeds, model_paths):
        acc = accuracy_by_difficulty(label(path, prompts_path, task=task, batch_size=batch_size, device=device, threads=threads))
        per_seed.append(acc.assign(seed=seed))
    acc = pd.concat(per_seed, ignore_index=True)
    table = decide(acc, threshold)
    for seed in seeds:
        table[f"accuracy_seed{seed}"] = acc[acc["seed"] == seed].set_index("difficulty")["accuracy"].reindex(table["difficulty"]).to_numpy()
    log.info("probe (threshold %.3f):\n%s", threshold, table.to_string(index=False))
    write_table(table, out)
