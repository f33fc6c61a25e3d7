"""The habits that keep the code clean, checked with every test run: ruff (lint and format) on the
package, scripts, tests and benchmarks; snakefmt on the Snakefile and rules; Snakemake's own linter
on one config of each experiment family."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PYTHON_DIRS = ["selfimprove", "workflow_scripts", "tests", "benchmarks"]
BIN = Path(sys.executable).parent


def run(*cmd):
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "cmd", [("ruff", "check", *PYTHON_DIRS), ("ruff", "format", "--check", *PYTHON_DIRS)], ids=["ruff-check", "ruff-format"]
)
def test_python_is_linted_and_formatted(cmd):
    result = run(*cmd)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakefiles_are_formatted():
    result = run("snakefmt", "--check", "Snakefile", "rules")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.workflow
@pytest.mark.parametrize(
    "configfile",
    [
        "config/config.yaml",
        "config/experiments/counting.yaml",
        "config/experiments/introspection.yaml",
        "config/experiments/copy_schedules.yaml",
    ],
)
def test_snakemake_lint_passes_for_each_family(configfile):
    result = run("snakemake", "--lint", "--configfile", configfile)
    assert result.returncode == 0 and "in a good condition" in result.stdout + result.stderr, result.stdout[-3000:] + result.stderr[-3000:]
