"""What produced a results folder: the config, this package's version, the git commit and
the versions of the libraries that compute."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

LIBRARIES = [
    "selfimprove",
    "torch",
    "numpy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "snakemake",
    "snakemake-executor-plugin-slurm",
    "transformers",
    "peft",
    "flash-attn",
]


def library_versions() -> dict:
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None  # not installed (optional extras)
    return versions


def git_commit(directory) -> str:
    """HEAD of the checkout holding `directory`, with '+dirty' when tracked files differ from it."""

    def git(*args):
        return subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=30)

    try:
        head = git("rev-parse", "HEAD")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    return head.stdout.strip() + ("+dirty" if dirty else "")


def write_provenance(out, *, config: dict, versions: dict, commit: str) -> None:
    import yaml

    from selfimprove.workflow.atomic import atomic_output

    record = {"git_commit": commit, "versions": versions, "config": config}
    with atomic_output(out) as tmp:
        Path(tmp).write_text(
            "# What produced this results folder: written by the latest workflow run whose config,\n"
            "# code commit or library versions differ from the previous record. Each job's log\n"
            "# begins with the host and Slurm job that ran it.\n" + yaml.safe_dump(record, sort_keys=False)
        )
