"""Issue 18's disk target, measured: benchmarks/disk_usage.py writes real paper-size checkpoints (the train
stage, one step a round, each round continuing the last) and label tables for a few rounds, and
extrapolates to 100 rounds of one seed."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.workflow  # about 20 s of paper-size training steps


@pytest.fixture(scope="module")
def measured():
    cmd = [sys.executable, "benchmarks/disk_usage.py", "--rounds", "100", "--measured-rounds", "2"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_weights_only_rounds_of_a_paper_size_run_fit_in_8_gb(measured):
    total = measured["gb_for_rounds_one_seed"]
    assert total["carry_optimizer_state: false"] <= measured["target_gb"] == 8, total
    assert total["carry_optimizer_state: true"] > total["carry_optimizer_state: false"]


def test_a_checkpoint_without_optimizer_state_is_the_weights_alone(measured):
    sizes = measured["model_pt_bytes_by_round"]
    weights, full = sizes["carry_optimizer_state: false"], sizes["carry_optimizer_state: true"]
    assert len(set(weights)) == 1 and len(set(full)) == 1  # a round's checkpoint does not grow with the rounds
    assert 4 * 14.0e6 < weights[0] < 4 * 14.5e6  # 14.2 M fp32 parameters
    assert 2.8 < full[0] / weights[0] < 3.2  # AdamW keeps two more tensors per parameter


def test_no_round_copies_the_training_set_before_it(measured):
    files = measured["round_files_bytes"]
    # a round's training part holds its new labels only: as large as its prompts, far below the base data
    for sizes in files.values():
        assert sizes["training_part"] <= sizes["prompts"] * 1.05 < measured["base_data_bytes"]
