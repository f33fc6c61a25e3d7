"""The ways to deploy the workflow's software agree with what the tests run: every dependency of
pyproject.toml is pinned in each conda env file (and the Apptainer definition) to the version installed
here, compatible with pyproject's own constraint; the conda envs install the package from the workflow's
root, wherever Snakemake keeps its copy of the env file. Nothing here builds an env (no conda channel or
container registry is reachable from this project's machines)."""

import re
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import tomllib
import yaml
from conftest import ROOT
from packaging.requirements import Requirement

CONDA_NAMES = {"torch": "pytorch"}
DEPENDENCIES = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))


def pins(env_file: Path) -> dict[str, str]:
    """{package: version} of an env file's `name=version[=build]` entries."""
    out = {}
    for dep in yaml.safe_load(env_file.read_text())["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith(("python=", "cuda-version")):
            name, version = re.split(r"[=<>]+", dep, maxsplit=2)[:2]
            out[name] = version
    return out


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("requirement", DEPENDENCIES, ids=lambda r: r.name)
def test_every_dependency_is_pinned_to_the_tested_version(env_file, requirement):
    pinned = pins(env_file).get(CONDA_NAMES.get(requirement.name, requirement.name))
    assert pinned, f"{env_file.name} does not pin {requirement.name}"
    assert requirement.specifier.contains(pinned), f"{env_file.name} pins {requirement.name}={pinned}, outside {requirement.specifier}"
    assert metadata.version(requirement.name).split("+")[0] == pinned, (
        f"the tests run {requirement.name} {metadata.version(requirement.name)}"
    )


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.stem)
def test_conda_envs_use_conda_forge_and_install_the_package_after_deployment(env_file):
    env = yaml.safe_load(env_file.read_text())
    assert "pytorch" not in env["channels"] and env["channels"][0] == "conda-forge"
    assert not any(isinstance(d, dict) and any("-e" in p for p in d.get("pip", [])) for d in env["dependencies"])  # no `-e ..`
    assert env_file.with_name(f"{env_file.stem}.post-deploy.sh").exists()


def test_the_apptainer_definition_pins_the_same_versions():
    text = (ROOT / "Apptainer.def").read_text()
    for requirement in DEPENDENCIES:
        assert f"{requirement.name}=={metadata.version(requirement.name).split('+')[0]}" in text, requirement.name


def test_post_deploy_installs_the_package_from_the_workflow_root_whatever_the_working_directory(tmp_path):
    """Run the real script with a stand-in `python` that records its arguments instead of installing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "python").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    elsewhere = tmp_path / "run_from_here"
    elsewhere.mkdir()
    subprocess.run(["bash", str(ROOT / "envs" / "cpu.post-deploy.sh")], cwd=elsewhere, env=env, check=True)
    assert calls.read_text().split() == ["-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)]
