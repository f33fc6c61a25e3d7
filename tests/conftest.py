"""Shared fixtures: a copy of the workflow in a temporary directory, and small models."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "rules", "workflow_scripts", "config", "report", "envs", "profiles", "data"]
MICRO = ROOT / "tests" / "configs" / "micro.yaml"
SCHEMA = ROOT / "config" / "schema.yaml"


def snakemake_bin() -> str:
    """The snakemake of this interpreter's environment."""
    return str(Path(sys.executable).with_name("snakemake"))


def copy_workflow(dest: Path) -> Path:
    """A fresh copy of the workflow, so runs never touch the repository's results/."""
    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


@pytest.fixture
def workdir(tmp_path) -> Path:
    return copy_workflow(tmp_path)


def run_snakemake(workdir: Path, *args, config: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run snakemake in `workdir` with the micro config (or `config`, written to a file). Only a test
    marked `workflow` may: the fast lane (-m "not workflow") never spawns Snakemake."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    if current in COLLECTED and not COLLECTED[current].get_closest_marker("workflow"):
        raise AssertionError(f"{current} runs Snakemake but is not marked @pytest.mark.workflow")
    cfg = workdir / "test_config.yaml"
    cfg.write_text(yaml.safe_dump(config if config is not None else micro_config()))
    cmd = [snakemake_bin(), "--configfile", str(cfg), "--cores", "2", *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)


def job_blocks(stdout: str) -> list[tuple[str, str]]:
    """(rule, its block) of every job a dry run prints, a group job's members included (indented)."""
    blocks = []
    for block in re.split(r"\n(?=\s*(?:local)?rule \w+:)", stdout):
        m = re.match(r"(?:local)?rule (\w+):", block.strip())
        if m:
            blocks.append((m.group(1), block))
    return blocks


def small_difficulties(task) -> list:
    """A few easy difficulties of `task`, pairs for two-axis tasks (multiplication, maze)."""
    if task.axes == ("nodes", "hops"):
        return [(3, 1), (4, 2), (6, 2), (6, 3), (8, 3), (10, 4)]
    if len(task.axes) == 2:
        return [(1, 1), (2, 1), (2, 2), (3, 2), (1, 3), (3, 3)]
    return [1, 2, 3, 3, 4, 6]


def micro_config() -> dict:
    return yaml.safe_load(MICRO.read_text())


def check_config(cfg: dict, defaults: bool = True):
    """In-process, what Snakemake checks while it parses (rules/common.smk, then the family's plan.smk):
    `cfg` merged over config/config.yaml (as a --configfile is), its scale applied, the schema with its
    defaults, then the family's checks. Returns the family's plan; raises ConfigError naming the key."""
    from selfimprove.introspection.checks import check_introspection
    from selfimprove.rounds.arms import check_arms
    from selfimprove.rounds.checks import check_rounds
    from selfimprove.sweep.checks import check_sweep
    from selfimprove.workflow.checks import family_of
    from selfimprove.workflow.config_check import check_schema
    from selfimprove.workflow.jobs import scheduler_resources
    from selfimprove.workflow.presets import resolve
    from selfimprove.workflow.scales import apply_scale

    config = resolve(overrides=cfg) if defaults else copy.deepcopy(cfg)
    if not defaults:
        apply_scale(config)
        check_schema(config, SCHEMA, fill_defaults=True)
    family = family_of(config)
    for kind in ("model_jobs", "data_jobs"):
        scheduler_resources(kind, config)
    checks = {"rounds": check_rounds, "sweep": lambda c: check_sweep(c, SCHEMA), "introspection": check_introspection}
    checks["arms"] = lambda c: check_arms(c, SCHEMA)
    return checks[family](config)


COLLECTED: dict = {}  # node id -> test item, for run_snakemake's check


def pytest_collection_modifyitems(items):
    """A test that runs the workflow in a copy (the `workdir` fixture) runs Snakemake subprocesses: it is a
    workflow test, so the fast lane (-m "not workflow") never spawns one."""
    for item in items:
        if "workdir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.workflow)
        COLLECTED[item.nodeid] = item
