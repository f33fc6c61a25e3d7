"""Issue 18's disk target, measured: benchmarks/disk_usage.py writes real paper-size checkpoints (the train
stage, one step a round, each round continuing the last) and label tables for a few rounds, and
extrapolates to 100 rounds of one seed."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.workflow  # about 20 s of paper-size training steps
LEAN = "keep_files: lean (optimizer state of round 0 and the newest round; no prompts tables)"


@pytest.fixture(scope="module")
def measured():
    cmd = [sys.executable, "benchmarks/disk_usage.py", "--rounds", "100", "--measured-rounds", "2"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_lean_files_of_a_paper_size_run_fit_in_8_gb(measured):
    total = measured["gb_for_rounds_one_seed"]
    assert total[LEAN] <= measured["target_gb"] == 8, total
    assert total["keep_files: all (default)"] > total[LEAN]


def test_the_weights_are_a_third_of_a_round_and_the_optimizer_state_the_rest(measured):
    carried = measured["checkpoint_bytes_by_round"]["carry_optimizer_state: true"]
    fresh = measured["checkpoint_bytes_by_round"]["carry_optimizer_state: false"]
    assert len({(s["model_pt"], s["optimizer_pt"]) for s in carried}) == 1  # a round's files do not grow with the rounds
    weights = carried[0]["model_pt"]
    assert 4 * 14.0e6 < weights < 4 * 14.5e6  # 14.2 M fp32 parameters
    assert 1.9 < carried[0]["optimizer_pt"] / weights < 2.1  # AdamW: two more tensors per parameter
    assert all(s["model_pt"] == weights and s["optimizer_pt"] == 0 for s in fresh)


def test_no_round_copies_the_training_set_before_it(measured):
    files = measured["round_files_bytes"]
    # a round's training part holds its new labels only: as large as its prompts, far below the base data
    for sizes in files.values():
        assert sizes["training_part"] <= sizes["prompts"] * 1.05 < measured["base_data_bytes"]
