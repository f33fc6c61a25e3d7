"""A Snakemake run's wall time beside the summed time of its jobs, from the run's log: one JSON line.

    python benchmarks/workflow_time.py .snakemake/log/<run>.snakemake.log

Each job's time is from the line that starts it to its `Finished jobid` line (one-second resolution,
so it includes the job's process start-up and Snakemake's bookkeeping); the sum over jobs is the
compute the run needed, which running jobs side by side (`--cores`) packs into less wall time.
Group jobs (a Slurm run) count once per member job, as they print.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^\s*\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]")
STARTED = re.compile(r"^\s*(?:local)?rule (\w+):")
JOBID = re.compile(r"^\s*jobid: (\d+)")
FINISHED = re.compile(r"Finished jobid: (\d+) \(Rule: (\w+)\)")


def parse(log: str) -> dict:
    started, finished, rule_of = {}, {}, {}
    stamp = pending_rule = None
    first = last = None
    for line in log.splitlines():
        if m := STAMP.match(line):
            stamp = datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
            first, last = first or stamp, stamp
        elif m := STARTED.match(line):
            pending_rule = m.group(1)
        elif (m := JOBID.match(line)) and pending_rule:
            started.setdefault(int(m.group(1)), stamp)
            rule_of[int(m.group(1))] = pending_rule
            pending_rule = None
        elif m := FINISHED.search(line):
            finished[int(m.group(1))] = stamp
    per_rule = defaultdict(float)
    for job, end in finished.items():
        if job in started and rule_of[job] != "all":
            per_rule[rule_of[job]] += (end - started[job]).total_seconds()
    return {
        "wall_s": (last - first).total_seconds() if first else 0.0,
        "summed_job_s": sum(per_rule.values()),
        "jobs": sum(1 for j in finished if rule_of.get(j) != "all"),
        "summed_job_s_by_rule": dict(sorted(per_rule.items(), key=lambda kv: -kv[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    print(json.dumps(parse(parser.parse_args().log.read_text())))


if __name__ == "__main__":
    main()
