"""Run the replications (each preset's `replicate` scale) one after another and check their claims.

    python benchmarks/replications.py                    # all of them, in the README's order
    python benchmarks/replications.py copy counting      # some (preset names)
    python benchmarks/replications.py --check-only       # the verdicts of finished runs, nothing run

Each run is `snakemake --cores 2 --configfile config/experiments/<preset>.yaml --config scale=replicate`
timed from start to end (wall time), then `python -m selfimprove.claims` on its results. One JSON line per
replication is appended to benchmarks/replications.jsonl (preset, commit, wall time, verdict, measures), and
the claim's figure is copied to docs/replications/<preset>.png for the README.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selfimprove.claims.check import as_record, check  # noqa: E402
from selfimprove.workflow.presets import resolve  # noqa: E402

# preset -> the figure (under results/<experiment>/plots/) that shows its claim
REPLICATIONS = {
    "copy": "accuracy_by_round.png",
    "reverse_addition": "accuracy_by_round.png",
    "forward_addition_length": "arms.png",
    "multiplication": "selflabels.png",
    "maze_hops_vote": "arms.png",
    "label_noise": "noise.png",
    "copy_schedules": "arms.png",
    "counting": "accuracy_by_length.png",
    "parity_cot": "cot_vs_no_cot.png",
    "introspection": "accuracy_by_turn.png",
}


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return out.stdout.strip() + ("+changes" if dirty else "")


def replicate(preset: str, run: bool, cores: int) -> dict:
    path = ROOT / "config" / "experiments" / f"{preset}.yaml"
    results = ROOT / "results" / resolve(path, {"scale": "replicate"})["experiment"]
    wall = None
    if run:
        cmd = ["snakemake", "--cores", str(cores), "--rerun-incomplete", "--configfile", str(path), "--config", "scale=replicate"]
        start = time.time()
        done = subprocess.run(cmd, cwd=ROOT)
        wall = round(time.time() - start, 1)
        if done.returncode:
            return {"preset": preset, "commit": commit(), "wall_s": wall, "passed": False, "error": f"snakemake exited {done.returncode}"}
    record = {"preset": preset, "commit": commit(), "wall_s": wall, **as_record(check(results), results.relative_to(ROOT))}
    figure = results / "plots" / REPLICATIONS[preset]
    if figure.exists():
        shutil.copy(figure, ROOT / "docs" / "replications" / f"{preset}.png")
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="*", help=f"default: all of {', '.join(REPLICATIONS)}")
    parser.add_argument("--check-only", action="store_true", help="check finished runs; run nothing")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "replications.jsonl")
    args = parser.parse_args(argv)
    unknown = [p for p in args.presets if p not in REPLICATIONS]
    if unknown:
        parser.error(f"no replication {', '.join(unknown)}; there are: {', '.join(REPLICATIONS)}")
    failed = 0
    for preset in args.presets or REPLICATIONS:
        record = replicate(preset, not args.check_only, args.cores)
        print(json.dumps(record), flush=True)
        with open(args.out, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        failed += not record["passed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
