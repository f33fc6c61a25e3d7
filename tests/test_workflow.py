"""The micro configuration through real `snakemake` runs: every rule, real files, reruns."""

import os
import re
import shutil
import subprocess
import time

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, job_blocks, micro_config, run_snakemake, snakemake_bin

pytestmark = pytest.mark.workflow


def planned_jobs(result) -> set[tuple[str, str]]:
    """(rule, first output) of every job a dry run plans."""
    jobs = set()
    for rule, block in job_blocks(result.stdout):
        out = re.search(r"^\s+output: ([^,\s]+)", block, re.MULTILINE)
        if out:
            jobs.add((rule, out.group(1)))
    return jobs


def rules_for(jobs, rule):
    return sorted(out for r, out in jobs if r == rule)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One real micro run, shared by the tests of this module."""
    workdir = copy_workflow(tmp_path_factory.mktemp("micro"))
    result = run_snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_end_to_end_outputs(finished_run):
    res = finished_run / "results" / "micro"
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    cfg = micro_config()
    lo, hi = cfg["data"]["eval_difficulties"]
    assert len(acc) == (cfg["rounds"] + 1) * len(cfg["seeds"]) * (hi - lo + 1)
    assert acc["accuracy"].between(0, 1).all()
    for (r, s), reach in acc.groupby(["round", "seed"])["trained_up_to"].first().items():  # read from the training set
        parts = [pd.read_parquet(res / f"round{k}/seed{s}/dataset.parquet") for k in range(r + 1)]
        assert reach == pd.concat(parts)["difficulty"].max()
    assert acc.loc[acc["round"] == 0, "trained_up_to"].eq(3).all()
    for name in ["accuracy_by_round.png", "accuracy_heatmap.png", "selflabels.png"]:
        assert (res / "plots" / name).stat().st_size > 10_000
    for r in range(cfg["rounds"] + 1):
        for s in cfg["seeds"]:
            assert (res / f"round{r}" / f"seed{s}" / "model.pt").exists()
    # Round 1 of seed 0 trains on the base data (round 0's part) plus its own part: round 0's
    # accepted self-labels, no more; the log of its training says so.
    accepted = pd.read_parquet(res / "round0" / "seed0" / "accepted.parquet")
    new = pd.read_parquet(res / "round1" / "seed0" / "dataset.parquet")
    base = pd.read_parquet(res / "round0" / "seed0" / "dataset.parquet")
    assert new["prompt"].tolist() == accepted.loc[accepted["accepted"], "prompt"].tolist()
    assert set(new["source"]) <= {"self"} and set(new["difficulty"]) <= {4} and set(base["source"]) == {"base"}
    trained_on = re.search(r"training on (\d+) examples", (res / "logs/train/round1_seed0.log").read_text())
    assert int(trained_on.group(1)) == len(base) + len(new)
    # The accepted table says why each rejected label was dropped.
    assert set(accepted.loc[~accepted["accepted"], "reason"]) <= {"length", "tie", "no_majority"}
    assert (accepted.loc[accepted["accepted"], "reason"] == "").all()
    # Every job wrote its log.
    assert len(list((res / "logs").rglob("*.log"))) >= 30


def test_every_seed_draws_its_own_inputs_and_every_voter_labels_them(finished_run):
    res = finished_run / "results" / "micro"
    cfg = micro_config()
    seeds, voters = cfg["seeds"], cfg["seeds"][: cfg["majority_vote"]["models"]]
    bases = [set(pd.read_parquet(res / "round0" / f"seed{s}" / "dataset.parquet")["prompt"]) for s in seeds]
    prompts = [pd.read_parquet(res / "round0" / f"seed{s}" / "prompts.parquet") for s in seeds]
    for a in range(len(seeds)):
        for b in range(a + 1, len(seeds)):
            assert bases[a] != bases[b] and set(prompts[a]["prompt"]) != set(prompts[b]["prompt"])
    for s, own in zip(seeds, prompts):
        for v in voters:  # every voter answered exactly this seed's prompts
            path = res / "round0" / f"seed{s}" / ("generations.parquet" if v == s else f"votes/seed{v}.parquet")
            assert pd.read_parquet(path)["prompt"].equals(own["prompt"])
        accepted = pd.read_parquet(res / "round0" / f"seed{s}" / "accepted.parquet")
        assert accepted["prompt"].equals(own["prompt"]) and (accepted["votes_total"] == len(voters)).all()
    evals = set(pd.read_parquet(res / "eval_prompts.parquet")["prompt"])
    assert not any(evals & base for base in bases) and not any(evals & set(p["prompt"]) for p in prompts)


def test_same_config_and_seed_give_the_same_files_byte_for_byte(finished_run, tmp_path):
    again = copy_workflow(tmp_path)
    seeds = micro_config()["seeds"]
    targets = [f"results/micro/round1/seed{s}/dataset.parquet" for s in seeds]
    result = run_snakemake(again, *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    compared = ["results/micro/eval_prompts.parquet", *targets]
    compared += [
        f"results/micro/round0/seed{s}/{name}"
        for s in seeds
        for name in ("dataset.parquet", "prompts.parquet", "generations.parquet", "accepted.parquet")
    ]
    for path in compared:
        assert (again / path).read_bytes() == (finished_run / path).read_bytes(), f"{path} differs between two runs"


def test_results_record_what_produced_them(finished_run):
    import yaml

    record = yaml.safe_load((finished_run / "results/micro/provenance.yaml").read_text())
    assert record["config"]["task"] == micro_config()["task"]
    assert all(record["config"]["train"][k] == v for k, v in micro_config()["train"].items())  # plus the schema's defaults
    assert record["config"]["train"]["eps"] == 1e-8  # a default is recorded too
    for library in ("selfimprove", "torch", "snakemake", "pandas", "pyarrow"):
        assert record["versions"][library], library
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown \(.*\)", record["git_commit"])


def test_every_job_declares_threads_and_scheduler_resources(finished_run):
    result = run_snakemake(finished_run, "-n", "--forceall", "--verbose")
    assert result.returncode == 0, result.stderr[-2000:]
    blocks = job_blocks(result.stdout)
    assert {name for name, _ in blocks} >= {"train", "generate", "evaluate", "filter_labels", "build_dataset", "summarize"}
    for name, body in blocks:
        if name == "all":
            continue
        resources = re.search(r"resources: (.*)", body).group(1)
        assert "mem_mb=" in resources and "runtime=" in resources, (name, resources)
        assert "gpu=" not in resources, (name, resources)  # device: cpu never asks for a GPU


def test_rerun_with_nothing_changed_does_nothing(finished_run):
    result = run_snakemake(finished_run, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_thread_count_re_runs_nothing(finished_run):
    """`threads` is where and how fast, not what: no param holds it (docs/workflow.md)."""
    cfg = micro_config()
    cfg["threads"] = 2
    cfg["resources"] = {"model_jobs": {"mem_mb": 4000}}
    result = run_snakemake(finished_run, "-n", config=cfg)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr, planned_jobs(result)


@pytest.fixture
def finished_copy(finished_run, tmp_path):
    """A copy of the finished run (files, modification times and Snakemake's records) to change."""
    copy = tmp_path / "copy"
    shutil.copytree(finished_run, copy)
    return copy


def test_a_fresh_checkout_re_runs_nothing(finished_copy):
    """A checkout writes every file anew: scripts and rules newer than every result."""
    later = time.time() + 60
    for path in [*finished_copy.glob("workflow_scripts/**/*.py"), *finished_copy.glob("rules/**/*.smk"), finished_copy / "Snakefile"]:
        os.utime(path, (later, later))
    result = run_snakemake(finished_copy, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr, planned_jobs(result)


def test_an_edited_script_re_runs_its_rule_and_what_follows(finished_copy):
    script = finished_copy / "workflow_scripts/rounds/filter_labels.py"
    script.write_text(script.read_text() + "# an edit\n")
    jobs = planned_jobs(run_snakemake(finished_copy, "-n"))
    accepted = sorted(str(p.relative_to(finished_copy)) for p in finished_copy.glob("results/micro/round*/seed*/accepted.parquet"))
    assert accepted and rules_for(jobs, "filter_labels") == accepted  # every one this script wrote
    assert {p.split("/")[2] for p in rules_for(jobs, "train")} == {"round1", "round2"}
    assert not rules_for(jobs, "base_dataset") and not any("/round0/" in p for p in rules_for(jobs, "generate"))


def test_lean_files_keep_what_later_rounds_need_and_no_later_change_reruns_round_0(tmp_path):
    """keep_files: lean. Finished rounds keep their weights; the optimizer state stays for round 0 and the
    newest round; prompts go once labelled. More rounds continue from the newest; a later-round change
    re-runs rounds >= 1 from round 0's state."""
    workdir = copy_workflow(tmp_path)
    cfg = {**micro_config(), "keep_files": "lean"}
    result = run_snakemake(workdir, config=cfg)
    assert result.returncode == 0, result.stderr[-3000:]
    res = workdir / "results" / "micro"
    kept = sorted(str(p.relative_to(res)) for p in res.glob("round*/seed*/optimizer.pt"))
    assert kept == [f"round{r}/seed{s}/optimizer.pt" for r in (0, cfg["rounds"]) for s in cfg["seeds"]]
    assert not list(res.glob("round*/seed*/prompts.parquet"))
    import torch

    state = torch.load(res / "round1/seed0/model.pt", weights_only=True)
    assert state["optimizer"] is None and state["model"]  # the weights alone

    more = {**cfg, "rounds": cfg["rounds"] + 1}
    jobs = planned_jobs(run_snakemake(workdir, "-n", config=more))
    assert {p.split("/")[2] for p in rules_for(jobs, "train")} == {f"round{more['rounds']}"}
    later = {**cfg, "train": {**cfg["train"], "later_rounds": {**cfg["train"]["later_rounds"], "lr": 0.002}}}
    trained = rules_for(planned_jobs(run_snakemake(workdir, "-n", config=later)), "train")
    assert trained and not any("/round0/" in p for p in trained), trained


def test_filter_change_reruns_from_the_filter_on(finished_run):
    cfg = micro_config()
    cfg["majority_vote"]["min_agree"] = 3
    jobs = planned_jobs(run_snakemake(finished_run, "-n", config=cfg))
    trained = rules_for(jobs, "train")
    assert rules_for(jobs, "filter_labels"), jobs
    assert not any("/round0/" in p for p in trained), trained
    generated = rules_for(jobs, "generate")  # the retrained rounds label again; round 0's labels stand
    assert generated and all("/round0/" not in p for p in generated), generated
    assert {"round1", "round2"} <= {p.split("/")[2] for p in trained}
    assert not rules_for(jobs, "base_dataset") and not rules_for(jobs, "eval_prompts")


def test_more_rounds_only_run_the_new_rounds(finished_run):
    cfg = micro_config()
    cfg["rounds"] += 1
    jobs = planned_jobs(run_snakemake(finished_run, "-n", config=cfg))
    new = f"round{cfg['rounds']}"
    last = f"round{cfg['rounds'] - 1}"
    assert {p.split("/")[2] for p in rules_for(jobs, "train")} == {new}
    assert {p.split("/")[2] for p in rules_for(jobs, "evaluate")} == {new}
    assert {p.split("/")[2] for p in rules_for(jobs, "generate")} == {last}
    assert {r for r, _ in jobs} <= {
        "selflabel_prompts",
        "generate",
        "vote",
        "filter_labels",
        "build_dataset",
        "train",
        "evaluate",
        "summarize",
        "summarize_selflabels",
        "plot_accuracy",
        "plot_heatmap",
        "plot_selflabels",
        "provenance",
        "all",
    }


def test_lint_is_clean(workdir):
    result = run_snakemake(workdir, "--lint", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


def test_report_shows_the_figures(finished_run):
    result = run_snakemake(finished_run, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (finished_run / "report.html").read_text(errors="ignore")
    for name in ["accuracy_by_round.png", "accuracy_heatmap.png", "selflabels.png"]:
        assert name in html


def test_accelerated_rounds_follow_the_probe_and_stop_at_the_target(tmp_path):
    """Threshold 0 accepts every probed difficulty: 1..3 -> +4..6 -> +7..9 reaches the target 9
    after round 1, so round 2 is the last one trained although `rounds` allows 4."""
    workdir = copy_workflow(tmp_path)
    cfg = micro_config()
    cfg["rounds"] = 4
    cfg["filters"] = ["none"]
    cfg["seeds"] = [0, 1]  # the probe accepts a difficulty only when every model passes it
    cfg["majority_vote"] = {"models": 2, "min_agree": 2}  # unused without the filter
    cfg["self_improve"]["accelerated"] = {"threshold": 0.0, "probe_examples": 5, "max_jump": 3, "target": 9}
    result = run_snakemake(workdir, config=cfg)
    assert result.returncode == 0, result.stderr[-3000:]
    res = workdir / "results" / "micro"
    probe0 = pd.read_parquet(res / "round0" / "probe.parquet")
    assert list(probe0["difficulty"]) == [4, 5, 6] and probe0["accepted"].all()
    prompts1 = pd.read_parquet(res / "round1" / "seed0" / "prompts.parquet")
    assert sorted(prompts1["difficulty"].unique()) == [7, 8, 9]
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    assert sorted(acc["round"].unique()) == [0, 1, 2]
    assert list(acc.groupby("round")["trained_up_to"].first()) == [3, 6, 9]
    assert (res / "round2" / "seed0" / "model.pt").exists() and not (res / "round3").exists()


@pytest.mark.workflow
def test_a_single_jobs_parse_runs_no_subprocess(workdir, tmp_path):
    """A cluster job re-parses the workflow to plan its one job: that parse must not run git (or anything
    else); only a plan that holds the provenance job asks git for the commit."""
    import os
    import stat

    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "git_calls"
    (fake / "git").write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 1\n')
    (fake / "git").chmod((fake / "git").stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    cfg = workdir / "test_config.yaml"
    cfg.write_text(yaml.safe_dump(micro_config()))
    one_job = [snakemake_bin(), "--configfile", str(cfg), "-n", "results/micro/eval_prompts.parquet"]
    result = subprocess.run(one_job, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not calls.exists(), calls.read_text()
    everything = subprocess.run(one_job[:-1], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert everything.returncode == 0 and calls.exists()  # the whole plan holds provenance: git was asked
