"""Sweeps: variants from axes, and a real parity sweep through `snakemake` (train once, evaluate)."""

import re

import pandas as pd
import pytest
import yaml
from conftest import ROOT, check_config, copy_workflow, run_snakemake

from selfimprove.engine.checkpoint import load_checkpoint
from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.scales import apply_scale
from selfimprove.workflow.variants import variants

MICRO_SWEEP = yaml.safe_load((ROOT / "tests" / "configs" / "micro_sweep.yaml").read_text())


def test_variants_are_every_combination_merged_over_the_config():
    config = {
        "model": {"n_layer": 2, "pos_encoding": "none"},
        "task_options": {"d": 6},
        "sweep": {
            "pe": {"none": {}, "rope": {"model": {"pos_encoding": "rope"}}},
            "cot": {"on": {"task_options": {"cot": True}}, "off": {"task_options": {"cot": False}}},
        },
    }
    found = variants(config)
    assert list(found) == ["pe=none/cot=on", "pe=none/cot=off", "pe=rope/cot=on", "pe=rope/cot=off"]
    rope_off = found["pe=rope/cot=off"]
    assert rope_off["axes"] == {"pe": "rope", "cot": "off"}
    assert rope_off["config"]["model"] == {"n_layer": 2, "pos_encoding": "rope"}  # merged, not replaced
    assert rope_off["config"]["task_options"] == {"d": 6, "cot": False}
    assert config["model"]["pos_encoding"] == "none"  # the experiment's config is untouched


@pytest.mark.parametrize(
    "sweep, key",
    [
        ({"pe": {"a": {"seeds": [1]}}}, "sweep.pe.a.seeds"),  # set once per experiment
        ({"pe": {"a b": {}}}, "sweep.pe"),  # becomes a directory name
        ({"p/e": {"a": {}}}, "sweep.p/e"),
        ({"pe": {"..": {}}}, "sweep.pe"),  # results/<experiment>/pe=.. stays a name, never the parent directory
        ({"..": {"a": {}}}, "sweep..."),
        ({"pe": {"a\\b": {}}}, "sweep.pe"),
        ({"pe": {}}, "sweep.pe"),
    ],
)
def test_bad_sweeps_name_the_key(sweep, key):
    with pytest.raises(ConfigError, match=re.escape(f"config key '{key}'")):
        variants({"sweep": sweep})


def test_a_scale_replaces_the_sweep_and_its_figures_instead_of_merging_them():
    config = {
        "scale": "smoke",
        "sweep": {"n": {"8": {}, "16": {}}},
        "figures": {"f": {"kind": "by_axis", "x": "n"}},
        "scales": {"smoke": {"sweep": {"n": {"2": {}}}, "figures": {"g": {"kind": "groups"}}}},
    }
    apply_scale(config)
    assert config["sweep"] == {"n": {"2": {}}} and config["figures"] == {"g": {"kind": "groups"}}


@pytest.mark.workflow
def test_variants_that_differ_only_in_the_model_share_their_data(tmp_path):
    workdir = copy_workflow(tmp_path)
    result = run_snakemake(
        workdir, "-n", "--quiet", "rules", config=yaml.safe_load((ROOT / "config/experiments/counting.yaml").read_text())
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.MULTILINE))
    assert counts["sweep_dataset"] == "2" and counts["sweep_eval_prompts"] == "2"  # one data set per protocol ...
    assert counts["sweep_train"] == "24" and counts["sweep_evaluate"] == "24"  # ... for 4 encodings x 3 seeds each


@pytest.mark.workflow
def test_a_variant_with_a_bad_value_fails_before_any_job_naming_the_key(tmp_path):
    config = {**MICRO_SWEEP, "sweep": {"pe": {"ok": {}, "bad": {"model": {"pos_encoding": "alibi"}}}}}
    result = run_snakemake(copy_workflow(tmp_path), "-n", config=config)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config key 'model.pos_encoding'" in output and "alibi" in output and "(in sweep variant pe=bad)" in output
    assert not (tmp_path / "results").exists()


BAD_SWEEPS = [  # (change to the micro sweep, text the error must contain)
    (
        {"figures": {"f": {"kind": "by_axis", "x": "width"}}},
        "config key 'figures.f.x': 'width' is not a sweep axis; axes: n_train_tasks, exclusion",
    ),
    ({"figures": {"f": {"kind": "pie"}}}, "config key 'figures.f.kind': 'pie' is not one of"),
    (
        {"task_options": {"d": 5, "k": 2, "n_test_tasks": 4, "depth": 3}},
        "config key 'task_options': task 'sparse_parity' does not accept options",
    ),
    ({"task_options": {"d": 3, "k": 5}}, "config key 'task_options': sparse_parity needs 1 <= k <= d"),
    (
        {"label_noise": {"kinds": ["random"], "fractions": [0.3], "start_rounds": [0], "trials": 1, "continue_rounds": 1}},
        "config key 'label_noise': corrupts self-labels, which a sweep (train once, evaluate) has none of",
    ),
]


@pytest.mark.parametrize("change, message", BAD_SWEEPS, ids=[next(iter(c)) + str(i) for i, (c, _) in enumerate(BAD_SWEEPS)])
def test_a_bad_sweep_config_is_refused_naming_the_key(change, message):
    with pytest.raises(ValueError) as err:  # the checks Snakemake runs while parsing, in-process
        check_config({**MICRO_SWEEP, **change})
    assert message in str(err.value)


@pytest.mark.workflow
def test_figures_without_a_sweep_are_refused(tmp_path):
    from conftest import micro_config

    result = run_snakemake(copy_workflow(tmp_path), "-n", config={**micro_config(), "figures": {"f": {"kind": "groups"}}})
    assert result.returncode != 0 and "config key 'figures': draws a train-once sweep's results" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("sweep"))
    result = run_snakemake(workdir, config=MICRO_SWEEP)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.mark.workflow
def test_a_sweep_trains_each_variant_once_and_summarizes_them_in_one_table(swept):
    res = swept / "results" / "micro_sweep"
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    # run_snakemake writes the config with sorted keys, so the axes come in alphabetical order
    names = [f"exclusion={e}/n_train_tasks={n}" for e in ("none", "missing_coordinate") for n in ("2", "4")]
    assert set(acc["variant"]) == set(names)
    for name in names:
        rows = acc[acc["variant"] == name]
        axes = dict(part.split("=") for part in name.split("/"))
        assert (rows["n_train_tasks"] == axes["n_train_tasks"]).all() and (rows["exclusion"] == axes["exclusion"]).all()
        assert set(rows["difficulty"]) == {4, 5, 6} and (rows["round"] == 0).all()
        # the exclusion splits the unseen test tasks into affected and unaffected ones
        assert set(rows["group"]) == ({"unseen"} if axes["exclusion"] == "none" else {"affected", "unaffected"})
        assert (rows["tf_accuracy"] >= rows["accuracy"]).all() and (rows["chance"] == 0.25).all()  # 2 bits to guess
        assert rows.groupby("difficulty")["n"].sum().eq(30).all()
        seed_dir = res / name / "seed0"
        _, _, state = load_checkpoint(seed_dir / "model.pt")
        log = pd.read_parquet(seed_dir / "train_log.parquet")
        assert state["meta"]["best_step"] in (8, 16, 24)  # the best validated checkpoint is kept
        assert state["meta"]["best_valid_accuracy"] == log["valid_accuracy"].max()
        assert list((seed_dir / "tensorboard").glob("events.out.tfevents.*"))  # tracking: {tensorboard: true}
        valid, evals, train = (
            set(pd.read_parquet(res / name / f)["prompt"]) for f in ("valid_prompts.parquet", "eval_prompts.parquet", "dataset.parquet")
        )
        assert len(valid) == 20 and not valid & evals and not valid & train  # the split that picks a checkpoint is never scored
    evals = {e: pd.read_parquet(res / f"exclusion={e}/n_train_tasks=2" / "eval_prompts.parquet") for e in ("none", "missing_coordinate")}
    for e, table in evals.items():  # every training-task count is scored on the same test prompts
        assert table["prompt"].equals(pd.read_parquet(res / f"exclusion={e}/n_train_tasks=4" / "eval_prompts.parquet")["prompt"])
    for figure in ("by_length", "by_tasks", "groups"):
        assert (res / "plots" / f"{figure}.png").stat().st_size > 10_000


@pytest.mark.workflow
def test_a_finished_sweep_has_nothing_left_to_do_and_one_figure_is_one_target(swept):
    again = run_snakemake(swept, "-n", config=MICRO_SWEEP)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    figure = swept / "results" / "micro_sweep" / "plots" / "groups.png"
    figure.unlink()
    redo = run_snakemake(swept, "results/micro_sweep/plots/groups.png", config=MICRO_SWEEP)
    assert redo.returncode == 0, redo.stderr[-2000:]
    assert figure.exists() and "sweep_train" not in redo.stderr


@pytest.mark.parametrize("name", ["..", "../outside", "a/b", "~x"])
def test_a_figure_name_stays_a_file_under_results(name):
    with pytest.raises(ConfigError, match=re.escape(f"config key 'figures.{name}'")):
        check_config({**MICRO_SWEEP, "figures": {name: {"kind": "groups"}}})
