"""Exact-match accuracy of greedy generation, per difficulty."""

from __future__ import annotations

import pandas as pd

from .data import DIFFICULTY
from .generate import generate
from .model import Transformer
from .tasks import Task
from .tokenizer import CharTokenizer


def label_prompts(model: Transformer, tok: CharTokenizer, task: Task, prompts: pd.DataFrame, batch_size: int = 256, progress: bool = True) -> pd.DataFrame:
    """Adds the model's greedy answer (`prediction`), whether it ended with [EOS] (`ended`)
    and whether it equals the ground truth (`correct`)."""
    budgets = [task.target_length(p) + 1 for p in prompts["prompt"]]  # answer + [EOS]
    texts, ended = generate(model, tok, list(prompts["prompt"]), budgets, batch_size, progress=progress)
    out = prompts.copy()
    out["prediction"] = texts
    out["ended"] = ended
    out["correct"] = (out["ended"] & (out["prediction"] == out["target"])).astype(bool)
    return out


def accuracy_by_difficulty(labelled: pd.DataFrame) -> pd.DataFrame:
    """One row per difficulty (both columns): n, correct, accuracy."""
    g = labelled.astype({"correct": int}).groupby(DIFFICULTY)["correct"]
    out = pd.DataFrame({"n": g.size(), "correct": g.sum()}).reset_index()
    out["accuracy"] = (out["correct"] / out["n"]).astype(float)
    return out
