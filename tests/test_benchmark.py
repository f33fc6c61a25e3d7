"""benchmarks/throughput.py runs end to end and prints its JSON line (no speed is asserted here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="the benchmark compares against the [bench] extra")
ROOT = Path(__file__).resolve().parents[1]


def test_throughput_benchmark_prints_one_json_line():
    cmd = [sys.executable, "benchmarks/throughput.py", "--train-steps", "2", "--windows", "1", "--gen-per-difficulty", "3"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    for stack_keyed in ("train_tokens_per_s", "gen_examples_per_s"):
        assert set(result[stack_keyed]) == {"ours", "hf"} and all(v > 0 for v in result[stack_keyed].values())
    assert result["train_ratio"] == pytest.approx(result["train_tokens_per_s"]["ours"] / result["train_tokens_per_s"]["hf"], rel=0.01)
    assert result["gen_ratio"] == pytest.approx(result["gen_examples_per_s"]["ours"] / result["gen_examples_per_s"]["hf"], rel=0.01)
    assert result["gen_same_output"] >= 0.99  # same weights, greedy: both stacks answer alike
    assert result["peak_rss_mb"] > 0 and result["matmul_gflops"] > 0 and 0 < result["train_mfu"] < 1
    assert result["gen_gemm_ceiling_ratio"] > 0 and 0 < result["train_mfu_gemm_only"]
    shares = result["train_step_time_share"]
    assert set(shares) == {"matmul", "attention", "other"} and sum(shares.values()) == pytest.approx(1, abs=0.01) and shares["matmul"] > 0


@pytest.mark.workflow
def test_job_overhead_benchmark_prints_what_it_measured():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "job_overhead.py"), "--repeats", "1", "--presets", "config", "copy"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(out["parse_s"]) == {"config", "copy"} and all(0 < s < 60 for s in out["parse_s"].values())
    assert 0 < out["startup_s"]["bare_torch"] < out["startup_s"]["engine.model_stages"] + 1
    assert set(out["model_startup_above_torch_s"]) == {"engine.model_stages", "rounds.model_stages", "introspection.stages"}


def test_the_gpu_check_says_so_without_a_gpu_and_its_experiment_is_valid():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is here: run benchmarks/gpu_check.sh itself")
    result = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu_check.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert result.returncode == 0 and json.loads(result.stdout.strip().splitlines()[-1])["cuda"] is False

    from conftest import check_config

    from selfimprove.workflow.presets import resolve

    cfg = resolve(ROOT / "benchmarks" / "configs" / "gpu_check.yaml")
    assert cfg["device"] == "cuda" and cfg["model"]["d_model"] == 384 and cfg["train"]["batch_size"] == 1024  # the paper's size
    assert check_config(cfg).rounds == [0, 1]
