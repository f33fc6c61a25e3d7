"""How long Snakemake takes to plan big experiments (`snakemake -n`): one JSON line.

    python benchmarks/dag_planning.py [--repeats 2] [--accelerated-rounds 10 30 60]

Each case runs `snakemake -n` in a fresh copy of the workflow with no results, so every job is
planned, and reports the wall time of the whole command (start-up, parse, DAG, the dry-run's job
listing), the best of --repeats. Cases (issue 18's targets in brackets):

* `label_noise`: the full preset (<= 10 s);
* `reverse_addition_100x5`: reverse_addition with 100 rounds and 5 seeds (<= 10 s);
* `accelerated_R`: the micro config in accelerated mode with R rounds whose probes have finished (their
  tables written as a run leaves them, each accepting one more difficulty, the target never reached):
  the plan resolves R checkpoints, which is the DAG Snakemake re-evaluates after the R-th probe. The
  time per round should not grow with R (linear growth of the total).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "rules", "workflow_scripts", "config", "report", "envs", "profiles", "data"]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def copy_workflow(dest: Path) -> Path:
    for name in WORKFLOW_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, dest / name)
    return dest


def plan_seconds(workdir: Path, args: list[str]) -> tuple[float, int]:
    """Wall time of `snakemake -n ARGS` and the number of jobs it planned."""
    t0 = time.perf_counter()
    out = subprocess.run([SNAKEMAKE, "-n", "--cores", "1", *args], cwd=workdir, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"snakemake -n {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    total = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("total ")]
    return seconds, int(total[-1]) if total else 0


def synthetic_reverse_addition(tmp: Path) -> Path:
    workdir = copy_workflow(tmp)
    (workdir / "synthetic.yaml").write_text(yaml.safe_dump({"rounds": 100, "seeds": [0, 1, 2, 3, 4]}))
    return workdir


def accelerated_config(rounds: int) -> dict:
    cfg = yaml.safe_load((ROOT / "tests" / "configs" / "micro.yaml").read_text())
    cfg.update(experiment="accelerated", rounds=rounds, filters=["none"], seeds=[0, 1])
    cfg["majority_vote"] = {"models": 1, "min_agree": 1}
    cfg["self_improve"]["accelerated"] = {"threshold": 0.5, "probe_examples": 5, "max_jump": 3, "target": 10_000}
    return cfg


def write_finished_probes(workdir: Path, cfg: dict, rounds: int) -> None:
    """Round r's probe table as a finished run leaves it: the next difficulty accepted, the others not."""
    from selfimprove.engine.data import write_table

    frontier = cfg["data"]["base_difficulty"][1]
    for r in range(rounds):
        jump = range(frontier + 1, frontier + 1 + cfg["self_improve"]["accelerated"]["max_jump"])
        table = pd.DataFrame({"difficulty": list(jump), "min_accuracy": [1.0, 0.0, 0.0], "accepted": [True, False, False]})
        write_table(table, workdir / f"results/{cfg['experiment']}/round{r}/probe.parquet")
        frontier += 1


def best_of(repeats: int, make_workdir, args) -> dict:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(plan_seconds(make_workdir(Path(tmp)), args))
    seconds = min(s for s, _ in runs)
    return {"seconds": round(seconds, 2), "jobs": runs[0][1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--accelerated-rounds", type=int, nargs="+", default=[10, 30, 60])
    args = parser.parse_args()
    results = {
        "label_noise": best_of(args.repeats, copy_workflow, ["--configfile", "config/experiments/label_noise.yaml"]),
        "reverse_addition_100x5": best_of(
            args.repeats, synthetic_reverse_addition, ["--configfile", "config/experiments/reverse_addition.yaml", "synthetic.yaml"]
        ),
    }
    for rounds in args.accelerated_rounds:
        cfg = accelerated_config(rounds)

        def prepared(tmp: Path, cfg=cfg, rounds=rounds) -> Path:
            workdir = copy_workflow(tmp)
            (workdir / "accelerated.yaml").write_text(yaml.safe_dump(cfg))
            write_finished_probes(workdir, cfg, rounds)
            return workdir

        case = best_of(args.repeats, prepared, ["--configfile", "accelerated.yaml"])
        results[f"accelerated_{rounds}"] = {**case, "seconds_per_round": round(case["seconds"] / rounds, 3)}
    print(json.dumps({"targets_seconds": {"label_noise": 10, "reverse_addition_100x5": 10}, **results}))


if __name__ == "__main__":
    main()
