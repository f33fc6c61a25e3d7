"""Bytes one (round, seed) of a paper-size run keeps on disk, and what 100 rounds of one seed come to: one JSON line.

    python benchmarks/disk_usage.py [--preset config/experiments/reverse_addition.yaml] [--rounds 100]

Writes real files in a temporary directory: a paper-size `model.pt` after one optimizer step (weights and
AdamW state, as the train rule writes it), the same checkpoint without optimizer state, and a round's
self-label tables (prompts, generations, accepted; the round's examples_per_round of them) and its
accumulated training set, whose size grows by one round's accepted labels per round. Issue 18's target:
at most 8 GB for 100 rounds of one seed at paper size.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from selfimprove.engine.checkpoint import save_checkpoint
from selfimprove.engine.data import as_text, examples_frame, rng_for, write_table
from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.packing import PackedExamples
from selfimprove.engine.step import TrainConfig, make_optimizer, train_step
from selfimprove.engine.tokenizer import CharTokenizer
from selfimprove.tasks import difficulty
from selfimprove.workflow.checks import build_task
from selfimprove.workflow.presets import resolve

ROOT = Path(__file__).resolve().parents[1]


def checkpoint_bytes(cfg: dict, task, directory: Path) -> dict:
    tok = CharTokenizer(task.alphabet)
    dims = {k: v for k, v in cfg["model"].items() if k not in ("init_from", "lora")}
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, **dims))
    rng = rng_for("disk", 0)
    examples = [task.sample(rng, 8) for _ in range(8)]
    optimizer = make_optimizer(model, TrainConfig(seed=0, steps=1, lr=1e-4, warmup_steps=0, decay_steps=0, batch_size=8))
    train_step(model, optimizer, PackedExamples(tok, [e.prompt for e in examples], [e.target for e in examples]), np.arange(8), 1.0)
    save_checkpoint(directory / "model.pt", model, tok, optimizer)
    save_checkpoint(directory / "weights.pt", model, tok)
    return {
        "model_pt": (directory / "model.pt").stat().st_size,
        "weights_only": (directory / "weights.pt").stat().st_size,
        "parameters": model.num_params(),
    }


def round_tables_bytes(cfg: dict, task, directory: Path, r: int) -> int:
    """prompts + generations + accepted of round r: examples_per_round labels at the round's difficulty."""
    base_hi = difficulty.parse(task, cfg["data"]["base_difficulty"][1])
    cell = difficulty.labelled(task, cfg["self_improve"], base_hi, r)[0]
    rng = rng_for("disk-round", r)
    df = examples_frame([task.sample(rng, cell) for _ in range(cfg["self_improve"]["examples_per_round"])], "self", r)
    generations = df.assign(prediction=df["target"], ended=True, correct=True)
    accepted = df.assign(true_target=df["target"], own_correct=True, label_correct=True, accepted=True, reason="", votes_total=1, seed=0)
    total = 0
    for name, table in (("prompts", df), ("generations", generations), ("accepted", accepted)):
        write_table(as_text(table, task), directory / f"{name}{r}.parquet")
        total += (directory / f"{name}{r}.parquet").stat().st_size
    return total


def base_data_bytes(cfg: dict, task, directory: Path, sample: int = 50_000) -> float:
    """Bytes of round 0's data (data.base_size examples), from a sample of `sample` scaled up."""
    lo, hi = (difficulty.parse(task, d) for d in cfg["data"]["base_difficulty"])
    rng = rng_for("disk-base", 0)
    write_table(
        as_text(examples_frame([task.sample_base(rng, lo, hi) for _ in range(sample)], "base", 0), task), directory / "base.parquet"
    )
    return (directory / "base.parquet").stat().st_size * cfg["data"]["base_size"] / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=str(ROOT / "config" / "experiments" / "reverse_addition.yaml"))
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    cfg = resolve(args.preset)
    task = build_task(cfg)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        ckpt = checkpoint_bytes(cfg, task, directory)
        tables = [round_tables_bytes(cfg, task, directory, r) for r in (0, args.rounds // 2, args.rounds - 1)]
        base = base_data_bytes(cfg, task, directory)
    per_label = np.mean(tables) / 3 / cfg["self_improve"]["examples_per_round"]  # one table's bytes per label
    # round r's dataset.parquet holds the base data and every label kept so far: each round writes a full copy
    training_sets = sum(base + per_label * cfg["self_improve"]["examples_per_round"] * r for r in range(args.rounds + 1))
    per_round = {"model_pt": ckpt["model_pt"], "label_tables": int(np.mean(tables))}
    print(
        json.dumps(
            {
                "preset": Path(args.preset).stem,
                "parameters": ckpt["parameters"],
                "bytes_per_round_and_seed": per_round,
                "weights_only_bytes": ckpt["weights_only"],
                "base_data_bytes": int(base),
                "optimizer_share": round(1 - ckpt["weights_only"] / ckpt["model_pt"], 3),
                "rounds": args.rounds,
                "gb_for_rounds_one_seed": {
                    "as_now (every round's model.pt, tables, growing training sets)": round(
                        (args.rounds * (per_round["model_pt"] + per_round["label_tables"]) + training_sets) / 1e9, 2
                    ),
                    "model.pt only": round(args.rounds * ckpt["model_pt"] / 1e9, 2),
                    "weights only, optimizer state of the newest round": round(
                        (args.rounds * ckpt["weights_only"] + ckpt["model_pt"] - ckpt["weights_only"]) / 1e9, 2
                    ),
                },
                "target_gb": 8,
            }
        )
    )


if __name__ == "__main__":
    main()
