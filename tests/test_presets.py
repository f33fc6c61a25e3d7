"""The smoke scale of every paper preset, through real `snakemake` runs (two rounds, tiny models)."""

import subprocess

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, snakemake_bin

pytestmark = pytest.mark.workflow


def run_preset(tmp_path, name, smoke=None):
    """The preset's smoke run in a copy of the workflow; `smoke` updates its smoke scale first."""
    workdir = copy_workflow(tmp_path)
    preset = workdir / "config" / "experiments" / f"{name}.yaml"
    if smoke:
        cfg = yaml.safe_load(preset.read_text())
        cfg.setdefault("scales", {}).setdefault("smoke", {}).update(smoke)
        preset.write_text(yaml.safe_dump(cfg))
    cmd = [snakemake_bin(), "--cores", "2", "--configfile", f"config/experiments/{name}.yaml", "--config", "scale=smoke"]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir / "results" / f"{name}_smoke"


def test_multiplication_smoke_labels_the_scheduled_cells_and_plots_grids(tmp_path):
    res = run_preset(tmp_path, "multiplication", smoke={"seeds": [0, 1], "majority_vote": {"models": 2, "min_agree": 2}})  # CI time
    for r, cells in enumerate([{(1, 3), (3, 1)}, {(2, 3), (3, 2)}]):
        prompts = pd.read_parquet(res / f"round{r}" / "seed0" / "prompts.parquet")
        assert set(zip(prompts["difficulty"], prompts["difficulty2"])) == cells
        for _, row in prompts.iterrows():  # the columns describe the prompt's operands
            a, b = row["prompt"][:-1].split("*")
            assert (len(a), len(b)) == (row["difficulty"], row["difficulty2"])
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    assert set(zip(acc["difficulty"], acc["difficulty2"])) == {(a, b) for a in (1, 2, 3) for b in (1, 2, 3)}
    assert len(acc) == 3 * 2 * 9  # rounds x seeds x cells
    accepted = pd.read_parquet(res / "round0" / "seed0" / "accepted.parquet")
    assert set(accepted.loc[~accepted["accepted"], "reason"]) <= {"length", "tie", "no_majority"}
    assert (res / "plots" / "accuracy_by_round.png").stat().st_size > 10_000


def test_maze_hops_smoke_steps_along_the_second_axis(tmp_path):
    res = run_preset(tmp_path, "maze_hops")
    for r in range(2):
        prompts = pd.read_parquet(res / f"round{r}" / "seed0" / "prompts.parquet")
        assert set(zip(prompts["difficulty"], prompts["difficulty2"])) == {(6, 3 + r)}
        assert prompts["prompt"].str.fullmatch(r"\d+>\d+#[0-9:,-]+=").all()  # labels as numbers, as a person reads them
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    assert sorted(acc["difficulty2"].unique()) == [1, 2, 3, 4] and set(acc["difficulty"]) == {6}


def test_label_noise_smoke_never_touches_the_clean_chain(tmp_path):
    res = run_preset(tmp_path, "label_noise")
    res = res.with_name("reverse_addition_smoke")  # shares the clean chain of reverse_addition.yaml
    clean = pd.read_parquet(res / "round1" / "seed0" / "accepted.parquet")
    assert "corrupted" not in clean.columns  # the clean file is read, never rewritten
    for setting, fraction in (("random_p0.2_r1_t0", 0.2), ("perturb_p0.8_r1_t0", 0.8)):
        noisy = pd.read_parquet(res / "noise" / setting / "round1" / "seed0" / "corrupted.parquet")
        assert noisy["prompt"].equals(clean["prompt"])
        assert ((noisy["target"] != clean["target"]) <= noisy["corrupted"]).all()  # only corrupted rows differ
        assert noisy["corrupted"].sum() == round(fraction * clean["accepted"].sum())
        ds = pd.read_parquet(res / "noise" / setting / "round2" / "seed0" / "dataset.parquet")  # round 2's new examples
        assert ds["target"].tolist() == noisy.loc[noisy["accepted"], "target"].tolist()
    summary = pd.read_parquet(res / "summary" / "noise.parquet")
    assert set(summary["fraction"]) == {0.2, 0.8} and set(summary["round"]) == {2}
    assert (res / "plots" / "noise.png").stat().st_size > 10_000


def test_pretrained_start_smoke_fine_tunes_a_local_llama_for_two_rounds(tmp_path):
    from selfimprove.engine.checkpoint import load_checkpoint

    res = run_preset(tmp_path, "pretrained_start")
    model, tok, state = load_checkpoint(res / "round0" / "seed0" / "model.pt")
    assert state["meta"]["pretrained_from"] == "resources/tiny-random-llama"
    assert (model.cfg.n_kv_head, model.cfg.pos_encoding, tok.vocab_size) == (2, "rope", 15)  # the checkpoint's GQA, our vocabulary
    assert state["lora"] == {"r": 8, "alpha": 16}
    assert all("lora_" in n for n, p in model.named_parameters() if p.requires_grad)
    assert (res / "round2" / "seed0" / "eval.parquet").exists()


# Presets whose smoke run exercises no other code path are left to test_config's DAG plan, to keep CI
# under its 30 minutes: reverse (copy's one-axis string path), reverse_addition (its smoke chain runs in
# the label-noise test above), multiplication_accelerated (a two-axis schedule, as multiplication),
# maze_nodes and maze_hops_vote (the maze path runs in maze_hops above, a vote with an explicit two-axis
# schedule in multiplication), copy_accelerated (the probe runs in test_workflow's accelerated test) and
# forward_addition_length (its task and its carry-aware length filter are unit-tested; a length filter
# runs in every workflow test's chain).
OTHER_PRESETS = ["copy"]


@pytest.mark.parametrize("name", OTHER_PRESETS)
def test_every_other_preset_smoke_runs_two_rounds(tmp_path, name):
    res = run_preset(tmp_path, name)
    acc = pd.read_parquet(res / "summary" / "accuracy.parquet")
    assert sorted(acc["round"].unique()) == [0, 1, 2] and acc["accuracy"].between(0, 1).all()
    for figure in ("accuracy_by_round.png", "accuracy_heatmap.png", "selflabels.png"):
        assert (res / "plots" / figure).stat().st_size > 10_000
