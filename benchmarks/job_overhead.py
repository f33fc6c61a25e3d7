"""What a job costs before it computes, and what planning costs: prints one JSON line.

    python benchmarks/job_overhead.py [--repeats 3] [--plans]

* `startup_s`: wall time of a fresh interpreter that imports a stage module and runs its first tensor
  operation (model stages) or reads nothing (table stages), beside a bare `import torch`; the minimum of
  `--repeats` runs. Issue 18's target: a model job's start-up at most 1.0 s above bare torch.
* `parse_s`: `snakemake --configfile <preset> --list-rules` per preset (the parse every cluster job repeats;
  snakemake's own start-up included), the minimum of `--repeats` runs. Target: at most 1.5 s.
* with `--plans`, `plan_s`: `snakemake -n` of the full label_noise preset (target: at most 10 s), once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
FIRST_OP = "import torch; torch.ones(2) + 1"
STARTUPS = {
    "bare_torch": FIRST_OP,
    "engine.model_stages": f"import selfimprove.engine.model_stages; {FIRST_OP}",
    "rounds.model_stages": f"import selfimprove.rounds.model_stages; {FIRST_OP}",
    "introspection.stages": f"import selfimprove.introspection.stages; {FIRST_OP}",
    "engine.data_stages": "import selfimprove.engine.data_stages",
    "rounds.data_stages": "import selfimprove.rounds.data_stages",
}


def wall(cmd, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return round(best, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="also time the dry-run plan of the full label_noise preset")
    parser.add_argument("--presets", nargs="*", help="preset names to parse (default: config.yaml and every preset)")
    args = parser.parse_args()
    startup = {name: wall([sys.executable, "-c", code], args.repeats) for name, code in STARTUPS.items()}
    above = {name: round(s - startup["bare_torch"], 3) for name, s in startup.items() if "model" in name or "introspection" in name}
    presets = [ROOT / "config" / "config.yaml", *sorted((ROOT / "config" / "experiments").glob("*.yaml"))]
    if args.presets:
        presets = [p for p in presets if p.stem in args.presets]
    parse = {p.stem: wall([SNAKEMAKE, "--configfile", str(p), "--list-rules"], args.repeats) for p in presets}
    out = {"startup_s": startup, "model_startup_above_torch_s": above, "parse_s": parse, "parse_max_s": max(parse.values())}
    if args.plans:
        out["plan_s"] = {"label_noise": wall([SNAKEMAKE, "-n", "--configfile", "config/experiments/label_noise.yaml"], 1)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
