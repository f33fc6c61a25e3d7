"""Checking a finished experiment against the claim its config names (`claim: {name: ..., options}`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from selfimprove.claims import CLAIMS
from selfimprove.claims.base import ClaimError, Verdict
from selfimprove.engine.data import read_table


class Tables:
    """An experiment's summary tables, results/<experiment>/summary/<name>.parquet, each read once."""

    def __init__(self, results: Path):
        self.results, self._read = Path(results), {}

    def read(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            path = self.results / "summary" / f"{name}.parquet"
            if not path.exists():
                raise ClaimError(f"no {path}: the experiment has not finished (or is not the kind this claim reads)")
            self._read[name] = read_table(path, [])
        return self._read[name]


def run_config(results: Path) -> dict:
    """The config the experiment ran with, from its provenance record."""
    path = Path(results) / "provenance.yaml"
    if not path.exists():
        raise ClaimError(f"no {path}: not a finished experiment's results folder")
    return yaml.safe_load(path.read_text())["config"]


def check(results, claim: dict | None = None, config: dict | None = None) -> Verdict:
    """The verdict on `claim` (default: the run's own `claim:`); a claim its results cannot decide fails."""
    config = config if config is not None else run_config(results)
    claim = claim or config.get("claim")
    if not claim:
        raise ClaimError(f"{results}: the run's config names no claim (config key claim: {{name: ...}})")
    if claim["name"] not in CLAIMS:
        raise ClaimError(f"unknown claim {claim['name']!r}; known: {', '.join(CLAIMS)}")
    options = {k: v for k, v in claim.items() if k != "name"}
    try:
        return CLAIMS[claim["name"]](Tables(results), config, options)
    except ClaimError as err:
        return Verdict(claim["name"], "", f"cannot be decided: {err}", [], False)


def as_record(verdict: Verdict, results) -> dict:
    return {
        "results": str(results),
        "claim": verdict.claim,
        "paper": verdict.paper,
        "criterion": verdict.criterion,
        "passed": bool(verdict.passed),  # numpy comparisons give numpy booleans, which JSON does not take
        "measures": [{"name": m.name, "mean": float(m.mean), "half_width": float(m.half_width), "over": m.over} for m in verdict.measures],
    }


def write_verdict(verdict: Verdict, results, out) -> None:
    Path(out).write_text(json.dumps(as_record(verdict, results), indent=2) + "\n")
