"""Exact-match accuracy of greedy generation per difficulty, and its teacher-forced twin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from selfimprove.engine.data import DIFFICULTY
from selfimprove.engine.generate import generate
from selfimprove.engine.model import Transformer
from selfimprove.engine.packing import encode_padded
from selfimprove.engine.tokenizer import CharTokenizer
from selfimprove.tasks import Task


def label_prompts(
    model: Transformer, tok: CharTokenizer, task: Task, prompts: pd.DataFrame, batch_size: int = 256, progress: bool = True
) -> pd.DataFrame:
    """Adds the model's greedy answer (`prediction`), whether it ended with [EOS] (`ended`)
    and whether it equals the ground truth (`correct`)."""
    budgets = [task.target_length(p) + 1 for p in prompts["prompt"]]  # answer + [EOS]
    texts, ended = generate(model, tok, list(prompts["prompt"]), budgets, batch_size, progress=progress)
    out = prompts.copy()
    out["prediction"] = texts
    out["ended"] = ended
    out["correct"] = (out["ended"] & (out["prediction"] == out["target"])).astype(bool)
    return out


@torch.inference_mode()
def teacher_forced_correct(model: Transformer, tok: CharTokenizer, prompts, targets, batch_size: int = 256) -> np.ndarray:
    """Whether the argmax at every target position is right when the model is fed the true
    prefix (prompt and the earlier target characters); [EOS] is not scored.

    This is the figure sparse parity's reference code reports: with chain of thought it feeds
    the true earlier bits, so it can only be higher than autoregressive exact match.
    """
    prompts, targets = list(prompts), list(targets)
    device = next(model.parameters()).device
    model.eval()
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]) + len(targets[i]))
    correct = np.zeros(len(prompts), dtype=bool)
    for start in range(0, len(order), batch_size):
        ids = order[start : start + batch_size]
        inputs, labels = encode_padded(tok, [prompts[i] for i in ids], [targets[i] for i in ids])
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            predicted = model(inputs.to(device)).argmax(-1).cpu()
        for row, i in enumerate(ids):
            span = slice(len(prompts[i]), len(prompts[i]) + len(targets[i]))  # label t is input t + 1
            correct[i] = bool((predicted[row, span] == labels[row, span]).all())
    return correct


def accuracy_by_difficulty(labelled: pd.DataFrame) -> pd.DataFrame:
    """One row per difficulty (both columns) and evaluation group when the task has groups:
    n, correct, accuracy, tf_accuracy (teacher-forced) when `tf_correct` was measured, final_accuracy
    when the task scores its answer's last part alone, and chance when the task states it."""
    keys = DIFFICULTY + (["group"] if "group" in labelled else [])
    scored = labelled.astype({"correct": int})
    g = scored.groupby(keys)
    out = pd.DataFrame({"n": g.size(), "correct": g["correct"].sum()}).reset_index()
    out["accuracy"] = (out["correct"] / out["n"]).astype(float)
    if "tf_correct" in labelled:
        out["tf_accuracy"] = g["tf_correct"].mean().to_numpy().astype(float)
    for name in [c for c in labelled if c.startswith("valid_")]:  # a task's own checks (Task.validity), as shares
        out[name] = g[name].mean().to_numpy().astype(float)
    if "final_correct" in labelled:  # the answer's last part alone (Task.final_answer: sparse parity's bit)
        out["final_accuracy"] = g["final_correct"].mean().to_numpy().astype(float)
    if "chance" in labelled:  # what guessing would reach (Task.chance_accuracy)
        out["chance"] = g["chance"].mean().to_numpy().astype(float)
    return out
