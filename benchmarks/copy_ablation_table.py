"""The matched copy experiment (issue 16, point 11): exact match per seed after the last round.

Our arms are read from their summaries; a run of the official driver from its logs (one log per
seed, holding every round: round 0 evaluated every 300 of its 1,500 steps, each later round once).

    python benchmarks/copy_ablation_table.py results/copy_matched_official results/copy_matched_later_lr_3e-3
    python benchmarks/copy_ablation_table.py --official /tmp/off_seed0.log /tmp/off_seed1.log ...
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pandas as pd

LENGTHS = range(10, 14)
EVAL = re.compile(r"\{'eval_OOD-(\d+)-copy-copy_accuracy': [^}]*\}")
LABELS = re.compile(r"\{'test_accuracy': [^}]*\}")


def our_arm(results: Path, last_round: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(exact match % by length x seed after `last_round`, self-label accuracy % by round x seed)."""
    acc = pd.read_parquet(results / "summary" / "accuracy.parquet")
    acc = acc[(acc["round"] == last_round) & acc["difficulty"].isin(LENGTHS)]
    labels = pd.read_parquet(results / "summary" / "selflabels.parquet")
    return (
        acc.pivot_table(index="difficulty", columns="seed", values="accuracy") * 100,
        labels.pivot_table(index="round", columns="seed", values="label_accuracy_before") * 100,
    )


def official_seed(log: Path, rounds: int = 4) -> tuple[dict, list]:
    """({length: exact match % after the last round}, [self-label accuracy % per round])."""
    text = log.read_text(errors="replace")
    by_length: dict[int, list[float]] = {}
    for match in EVAL.finditer(text):
        metrics = ast.literal_eval(match.group(0))
        by_length.setdefault(int(match.group(1)), []).append(100 * metrics[f"eval_OOD-{match.group(1)}-copy-copy_accuracy"])
    labels = [100 * ast.literal_eval(m.group(0))["test_accuracy"] for m in LABELS.finditer(text)]
    if len(labels) != rounds or any(len(v) < rounds for v in by_length.values()):
        raise SystemExit(f"{log}: not a finished {rounds}-round run ({len(labels)} label sets)")
    return {n: by_length[n][-1] for n in LENGTHS}, labels[:-1]  # the last round's labels train nothing


def official_arm(logs: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = {int(re.search(r"(\d+)\D*$", log.stem).group(1)): official_seed(log) for log in logs}
    return (
        pd.DataFrame({seed: acc for seed, (acc, _) in runs.items()}).rename_axis("difficulty"),
        pd.DataFrame({seed: labels for seed, (_, labels) in runs.items()}).rename_axis("round"),
    )


def show(name: str, accuracy: pd.DataFrame, labels: pd.DataFrame) -> None:
    print(f"## {name}: exact match (%) after round 3")
    print(accuracy.round(1).to_string())
    print("mean by length:", accuracy.mean(axis=1).round(1).to_dict())
    print("self-label accuracy (%) by round (round r labels length 9 + r):")
    print(labels.round(1).to_string(), end="\n\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", type=Path, help="our arms' results folders")
    parser.add_argument(
        "--official", nargs="+", type=Path, default=[], help="the official driver's logs, one per seed (named ...<seed>.log)"
    )
    args = parser.parse_args()
    for results in args.results:
        show(results.name, *our_arm(results))
    if args.official:
        show("official driver", *official_arm(args.official))
