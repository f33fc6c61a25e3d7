"""A task in the researcher's own file, named `module:Class` in the config: the README's example, run as written."""

import re

import pandas as pd
import pytest
from conftest import ROOT, check_config, micro_config, run_snakemake

from selfimprove.tasks import get_task
from selfimprove.workflow.config_check import ConfigError


def readme_example() -> str:
    """The first python block after the README's <!-- example-task --> marker."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- example-task -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README.md has no example task block after <!-- example-task -->"
    return match.group(1)


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    (tmp_path / "my_tasks.py").write_text(readme_example())
    monkeypatch.chdir(tmp_path)  # the workflow's directory: where plugins are imported from
    yield tmp_path


def test_the_readme_example_is_short_and_complete():
    assert len(readme_example().strip().splitlines()) <= 30


def test_a_plugin_task_loads_by_module_and_class(plugin_dir):
    task = get_task("my_tasks:DoubleDigits")
    assert task.answer("507=") == "550077"
    plan = check_config({**micro_config(), "task": "my_tasks:DoubleDigits", "filters": ["length"]})
    assert plan.task.name == "double_digits"


@pytest.mark.parametrize(
    "name, message",
    [("no_such_module:Task", "cannot import module 'no_such_module'"), ("my_tasks:Missing", "is not a subclass of selfimprove.tasks.Task")],
)
def test_a_bad_plugin_name_is_a_config_error(plugin_dir, name, message):
    with pytest.raises(ConfigError, match=message):
        check_config({**micro_config(), "task": name})


def test_the_readme_example_runs_through_the_quickstart_chain(workdir):
    (workdir / "my_tasks.py").write_text(readme_example())
    cfg = {**micro_config(), "task": "my_tasks:DoubleDigits", "experiment": "double_digits"}
    result = run_snakemake(workdir, config=cfg, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = pd.read_parquet(workdir / "results" / "double_digits" / "summary" / "accuracy.parquet")
    assert set(summary["round"]) == {0, 1, 2} and (summary["task"] == "my_tasks:DoubleDigits").all()
    generations = pd.read_parquet(workdir / "results" / "double_digits" / "round1" / "seed0" / "generations.parquet")
    assert generations["prompt"].str.fullmatch(r"\d+=").all()  # the plugin's prompts, labelled by the round's model
