"""Self-improvement stages that run a model: label the next difficulty (generate) and the accelerated mode's probe."""

from __future__ import annotations

import logging

import pandas as pd

from selfimprove.engine.data import as_text, write_table
from selfimprove.engine.evaluate import accuracy_by_difficulty
from selfimprove.engine.model_stages import label
from selfimprove.rounds.probe import decide
from selfimprove.workflow.job import Job

log = logging.getLogger(__name__)


def generate(model_path, prompts_path, out, job: Job, *, batch_size):
    write_table(as_text(label(model_path, prompts_path, job, batch_size=batch_size), job.build_task()), out)


def probe(model_paths, prompts_path, out, job: Job, *, seeds, threshold, batch_size):
    """Accelerated mode: every seed's model on the probe prompts -> which difficulties to label next."""
    per_seed = []
    for seed, path in zip(seeds, model_paths):
        acc = accuracy_by_difficulty(label(path, prompts_path, job, batch_size=batch_size))
        per_seed.append(acc.assign(seed=seed))
    acc = pd.concat(per_seed, ignore_index=True)
    table = decide(acc, threshold)
    for seed in seeds:
        table[f"accuracy_seed{seed}"] = acc[acc["seed"] == seed].set_index("difficulty")["accuracy"].reindex(table["difficulty"]).to_numpy()
    log.info("probe (threshold %.3f):\n%s", threshold, table.to_string(index=False))
    write_table(table, out)
