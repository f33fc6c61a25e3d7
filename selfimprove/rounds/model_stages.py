"""Self-improvement stages that run a model: label the next difficulty (generate) and the accelerated mode's probe."""

from __future__ import annotations

import logging

import pandas as pd

from selfimprove.engine.data import write_table
from selfimprove.engine.evaluate import accuracy_by_difficulty
from selfimprove.engine.model_stages import label
from selfimprove.rounds.probe import decide

log = logging.getLogger(__name__)


def generate(model_path, prompts_path, out, **params):
    write_table(label(model_path, prompts_path, **params), out)


def probe(model_paths, prompts_path, out, *, seeds, threshold, task, batch_size, device, threads, task_options=None, task_version=None):
    """Accelerated mode: every seed's model on the probe prompts -> which difficulties to label next."""
    per_seed = []
    for seed, path in zip(seeds, model_paths):
        acc = accuracy_by_difficulty(
            label(path, prompts_path, task=task, task_options=task_options, batch_size=batch_size, device=device, threads=threads)
        )
        per_seed.append(acc.assign(seed=seed))
    acc = pd.concat(per_seed, ignore_index=True)
    table = decide(acc, threshold)
    for seed in seeds:
        table[f"accuracy_seed{seed}"] = acc[acc["seed"] == seed].set_index("difficulty")["accuracy"].reindex(table["difficulty"]).to_numpy()
    log.info("probe (threshold %.3f):\n%s", threshold, table.to_string(index=False))
    write_table(table, out)
