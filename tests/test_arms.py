"""Self-improvement sweeps (`family: rounds` with a `sweep`): each arm a whole self-improvement experiment,
arms that differ only after round 0 sharing it, their summaries joined for one figure."""

import copy
import re

import pandas as pd
import pytest
from conftest import SCHEMA, check_config, copy_workflow, micro_config, run_snakemake
from test_workflow import planned_jobs

from selfimprove.rounds.arms import check_arms
from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.presets import resolve


def arms_config(**sweep):
    cfg = micro_config()
    cfg.update(experiment="micro_arms", family="rounds", rounds=1)
    cfg["sweep"] = sweep or {
        "filters": {"none": {"filters": []}, "vote": {"filters": ["majority_vote", "length"]}}
    }  # sorted, as YAML writes it
    return cfg


def test_arms_that_differ_after_round_0_share_it():
    arms = check_arms(resolve(overrides=arms_config()), SCHEMA).arms
    assert list(arms) == ["filters=none", "filters=vote"]
    assert [a["config"]["arm"] for a in arms.values()] == [
        {"name": "filters=none", "round0": "filters=none"},
        {"name": "filters=vote", "round0": "filters=none"},
    ]
    assert arms["filters=none"]["config"]["filters"] == [] and "sweep" not in arms["filters=none"]["config"]


def test_arms_that_differ_in_round_0_train_their_own():
    cfg = arms_config(model={"small": {"model": {"d_model": 16}}, "wide": {"model": {"d_model": 64}}})
    arms = check_arms(resolve(overrides=cfg), SCHEMA).arms
    assert [a["config"]["arm"]["round0"] for a in arms.values()] == ["model=small", "model=wide"]


def test_a_bad_arm_is_named():
    cfg = arms_config(filters={"good": {"filters": []}, "bad": {"filters": ["lenght"]}})
    with pytest.raises(ConfigError, match=r"lenght.*\(in arm filters=bad\)"):
        check_config(cfg)


@pytest.mark.parametrize("key", ["seeds", "device", "experiment"])
def test_an_arm_may_not_change_how_the_whole_experiment_runs(key):
    cfg = arms_config(x={"a": {key: micro_config()[key]}})
    with pytest.raises(ConfigError, match=rf"sweep\.x\.a\.{key}"):
        check_config(cfg)


def test_a_train_once_sweep_over_filters_points_to_family_rounds():
    cfg = arms_config()
    del cfg["family"]
    with pytest.raises(ConfigError, match="family: rounds"):
        check_config(cfg)


def test_a_declared_family_must_match_the_config():
    with pytest.raises(ConfigError, match="family.*needs a `sweep`"):
        check_config({**micro_config(), "family": "sweep"})


@pytest.fixture(scope="module")
def finished_arms(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("arms"))
    result = run_snakemake(workdir, config=arms_config())
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.mark.workflow
def test_every_arm_runs_from_one_round_0_and_is_compared_in_one_table(finished_arms):
    res = finished_arms / "results" / "micro_arms"
    assert sorted(p.relative_to(res).as_posix() for p in res.glob("*/round0/seed*/model.pt")) == [
        f"filters=none/round0/seed{s}/model.pt" for s in (0, 1, 2)
    ]  # the first arm's round 0 serves both
    assert not (res / "filters=none" / "round0" / "seed0" / "votes").exists()  # no vote in the unfiltered arm
    assert (res / "filters=vote" / "round0" / "seed0" / "votes").is_dir()  # the voted arm labels with round 0's models
    assert (res / "filters=vote" / "round1" / "seed0" / "model.pt").exists()
    acc = pd.read_parquet(res / "summary" / "arms_accuracy.parquet")
    assert set(acc["arm"]) == {"filters=vote", "filters=none"} and set(acc["filters"]) == {"vote", "none"}
    round0 = acc[acc["round"] == 0].drop(columns=["arm", "filters"])
    vote, none = (round0[acc["arm"] == a].reset_index(drop=True) for a in ("filters=vote", "filters=none"))
    pd.testing.assert_frame_equal(vote, none)  # one round 0, read by both arms
    labels = pd.read_parquet(res / "summary" / "arms_selflabels.parquet")
    kept = labels.groupby("arm")["kept"].sum()
    assert kept["filters=none"] == labels[labels["arm"] == "filters=none"]["labelled"].sum()  # no filter keeps every label
    assert (res / "plots" / "arms.png").stat().st_size > 0


@pytest.mark.workflow
def test_changing_one_arm_re_runs_that_arm_and_not_the_round_0_it_shares(finished_arms):
    cfg = arms_config()
    cfg["sweep"] = copy.deepcopy(cfg["sweep"])
    cfg["sweep"]["filters"]["vote"]["self_improve"] = {"examples_per_round": 30}
    result = run_snakemake(finished_arms, "-n", config=cfg)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    arm_jobs = [(rule, out) for rule, out in jobs if "/filters=" in out]
    assert arm_jobs and all("/filters=vote/" in out for _, out in arm_jobs)  # the other arm re-runs nothing
    assert not [out for rule, out in jobs if rule.endswith(("_train", "_evaluate", "_base_dataset")) and "/round0/" in out]
    assert [out for rule, out in jobs if rule.endswith("_train")]  # its later rounds do re-run


def test_on_a_cluster_each_arm_submits_its_own_groups(workdir):
    result = run_snakemake(workdir, "-n", "--profile", "profiles/slurm", config=arms_config())
    assert result.returncode == 0, result.stderr[-3000:]
    groups = set(re.findall(r"Group job (\S+) ", result.stdout))
    assert {"filters_none_models_round1_seed0", "filters_vote_models_round1_seed0", "data"} <= groups
    assert not any(g.startswith("models_") for g in groups)  # no group id shared by two arms
