"""What a paper-size run keeps on disk per (round, seed), and what R rounds of one seed come to: one JSON line.

    python benchmarks/disk_usage.py [--preset config/experiments/reverse_addition.yaml] [--rounds 100] [--measured-rounds 3]

Writes real files with the workflow's own stages in a temporary directory, for the first
`--measured-rounds` rounds of one seed: each round's model.pt and optimizer.pt from the train stage
(paper-size model, one optimizer step, continuing the previous round's weights and optimizer state as
the train rule does), and the weights-only model.pt of train.carry_optimizer_state: false; each round's self-label tables (prompts, generations, accepted: the
preset's examples_per_round labels at that round's difficulty, and at rounds R/2 and R-1 for the
longer operands of late rounds) and its new training part from the build_dataset stage. Round 0's
base data is sampled and scaled to data.base_size. Then R rounds are extrapolated for each keep_files
setting: every file a round writes is written once and never grows with later rounds, so the total is
linear in R.
Issue 18's target: at most 8 GB for 100 rounds of one seed at paper size.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from selfimprove.engine.data import as_text, examples_frame, rng_for, write_table
from selfimprove.engine.model_stages import TrainInputs, TrainSettings, train
from selfimprove.rounds.data_stages import build_dataset
from selfimprove.tasks import difficulty
from selfimprove.workflow.checks import build_task
from selfimprove.workflow.job import Job
from selfimprove.workflow.presets import resolve

ROOT = Path(__file__).resolve().parents[1]
TARGET_GB = 8


def training_sample(task, cfg, path: Path, examples: int = 64) -> None:
    """A few round-0 examples to take the optimizer step on (a checkpoint's size does not depend on the data)."""
    lo, hi = (difficulty.parse(task, d) for d in cfg["data"]["base_difficulty"])
    rng = rng_for("disk-train", 0)
    write_table(as_text(examples_frame([task.sample_base(rng, lo, hi) for _ in range(examples)], "base", 0), task), path)


def checkpoint_sizes(cfg: dict, task, directory: Path, rounds: int, carry: bool) -> list[dict]:
    """model.pt (and optimizer.pt, when the optimizer state is carried) of rounds 0..rounds-1 as the train
    rule writes them: one step each, each round continuing the last."""
    data = directory / "train_sample.parquet"
    training_sample(task, cfg, data)
    schedule = {k: cfg["train"][k] for k in ("batch_size", "min_lr_ratio", "weight_decay", "grad_clip", "betas", "eps")}
    schedule.update(steps=1, lr=1e-4, warmup_steps=0, decay_steps=0, carry_optimizer_state=carry)
    model = {k: v for k, v in cfg["model"].items() if k not in ("init_from", "lora")}
    sizes, previous = [], (None, None)
    for r in range(rounds):
        out, optimizer = (directory / f"carry{int(carry)}_round{r}_{name}.pt" for name in ("model", "optimizer"))
        settings = TrainSettings(model=model, train=dict(schedule, batch_size=8), seed=r)
        inputs = TrainInputs([str(data)], init=previous[0], init_optimizer=previous[1])
        log_out = str(directory / "train_log.parquet")
        train(inputs, str(out), log_out, Job(cfg["task"]), settings, optimizer_out=str(optimizer) if carry else None)
        sizes.append({"model_pt": out.stat().st_size, "optimizer_pt": optimizer.stat().st_size if carry else 0})
        previous = (str(out), str(optimizer) if carry else None)
    return sizes


def round_files_bytes(cfg: dict, task, directory: Path, r: int) -> dict:
    """Round r's self-label tables and its new training part, at the round's labelled difficulty."""
    base_hi = difficulty.parse(task, cfg["data"]["base_difficulty"][1])
    cell = difficulty.labelled(task, cfg["self_improve"], base_hi, r)[0]
    rng = rng_for("disk-round", r)
    df = examples_frame([task.sample(rng, cell) for _ in range(cfg["self_improve"]["examples_per_round"])], "self", r)
    generations = df.assign(prediction=df["target"], ended=True, correct=True)
    accepted = df.assign(true_target=df["target"], own_correct=True, label_correct=True, accepted=True, reason="", votes_total=1, seed=0)
    sizes = {}
    for name, table in (("prompts", df), ("generations", generations), ("accepted", accepted)):
        write_table(as_text(table, task), directory / f"{name}{r}.parquet")
        sizes[name] = (directory / f"{name}{r}.parquet").stat().st_size
    build_dataset(str(directory / f"accepted{r}.parquet"), str(directory / f"part{r + 1}.parquet"))
    sizes["training_part"] = (directory / f"part{r + 1}.parquet").stat().st_size  # round r + 1's dataset.parquet
    return sizes


def base_data_bytes(cfg: dict, task, directory: Path, sample: int = 50_000) -> float:
    """Bytes of round 0's data (data.base_size examples), from a sample of `sample` scaled up."""
    lo, hi = (difficulty.parse(task, d) for d in cfg["data"]["base_difficulty"])
    rng = rng_for("disk-base", 0)
    write_table(
        as_text(examples_frame([task.sample_base(rng, lo, hi) for _ in range(sample)], "base", 0), task), directory / "base.parquet"
    )
    return (directory / "base.parquet").stat().st_size * cfg["data"]["base_size"] / sample


def measure(preset: str, rounds: int, measured_rounds: int) -> dict:
    cfg = resolve(preset)
    task = build_task(cfg)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        checkpoints = {carry: checkpoint_sizes(cfg, task, directory, measured_rounds, carry) for carry in (True, False)}
        at = sorted({*range(measured_rounds), rounds // 2, rounds - 1})
        tables = {r: round_files_bytes(cfg, task, directory, r) for r in at}
        base = base_data_bytes(cfg, task, directory)
    # a round's tables grow with its difficulty: interpolated linearly between the measured rounds
    tables_all = np.interp(range(rounds), at, [sum(tables[r].values()) for r in at]).sum()
    tables_lean = tables_all - np.interp(range(rounds), at, [tables[r]["prompts"] for r in at]).sum()
    weights = np.mean([s["model_pt"] for s in checkpoints[True]])
    optimizer = np.mean([s["optimizer_pt"] for s in checkpoints[True]])
    totals = {
        "keep_files: all (default)": base + rounds * (weights + optimizer) + tables_all,
        "keep_files: lean (optimizer state of round 0 and the newest round; no prompts tables)": base
        + rounds * weights
        + 2 * optimizer
        + tables_lean,
        "carry_optimizer_state: false (weights only; each round a fresh AdamW)": base
        + rounds * np.mean([s["model_pt"] for s in checkpoints[False]])
        + tables_all,
    }
    return {
        "preset": Path(preset).stem,
        "rounds": rounds,
        "measured_rounds": measured_rounds,
        "checkpoint_bytes_by_round": {f"carry_optimizer_state: {str(c).lower()}": s for c, s in checkpoints.items()},
        "round_files_bytes": {f"round {r}": t for r, t in tables.items()},
        "base_data_bytes": int(base),
        "gb_for_rounds_one_seed": {name: round(total / 1e9, 2) for name, total in totals.items()},
        "target_gb": TARGET_GB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=str(ROOT / "config" / "experiments" / "reverse_addition.yaml"))
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--measured-rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.preset, args.rounds, args.measured_rounds)))


if __name__ == "__main__":
    main()
