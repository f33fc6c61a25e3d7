"""A training round killed at a random step and re-run ends with the weights of a run that
was never interrupted, bit for bit (CPU); a kill never leaves a file under an output's name."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from conftest import copy_workflow, micro_config, snakemake_bin

# Trains one round of a small model in its own process: python -c DRIVER <out> <steps> <every>
DRIVER = """
import logging, sys
logging.basicConfig(level=logging.INFO)
from selfimprove.engine.data import examples_frame
from selfimprove.engine.model import ModelConfig
from selfimprove.tasks import get_task
from selfimprove.engine.train import TrainConfig, train_round
import random
import torch
torch.set_num_threads(1)
task = get_task("reverse_addition")
rng = random.Random(0)
df = examples_frame([task.sample_base(rng, 1, 4) for _ in range(500)], "base", 0)
out, steps, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cfg = TrainConfig(steps=steps, batch_size=32, lr=3e-3, warmup_steps=5, decay_steps=steps // 3, checkpoint_every=every, seed=7)
train_round(df, cfg, out, model_config=ModelConfig(vocab_size=0, n_layer=2, n_head=2, d_model=32), alphabet=task.alphabet)
"""
STEPS, EVERY = 300, 7


def train_in_subprocess(out, steps=STEPS, every=EVERY) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(out), str(steps), str(every)], stderr=subprocess.PIPE, text=True)


def wait_for(path, proc, timeout=120):
    t0 = time.time()
    while not path.exists():
        assert proc.poll() is None, f"training ended before {path} appeared: {proc.stderr.read()[-2000:]}"
        assert time.time() - t0 < timeout, f"{path} never appeared"
        time.sleep(0.01)


def optimizer_state(path, state):
    """A checkpoint's optimizer state: inside it, or (a workflow round) in the optimizer.pt beside it."""
    if state["optimizer"] is not None:
        return state["optimizer"]
    return torch.load(Path(path).with_name("optimizer.pt"), weights_only=True)


def assert_same_state(a, b):
    sa, sb = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
    assert sa["model"].keys() == sb["model"].keys()
    for name in sa["model"]:
        assert torch.equal(sa["model"][name], sb["model"][name]), f"weights differ: {name}"
    oa, ob = optimizer_state(a, sa), optimizer_state(b, sb)
    for pa, pb in zip(oa["state"].values(), ob["state"].values()):
        for key in pa:
            assert torch.equal(pa[key], pb[key]), f"optimizer state differs: {key}"
    assert sa["meta"] == sb["meta"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted") / "model.pt"
    proc = train_in_subprocess(out)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGUSR1, signal.SIGKILL], ids=lambda s: s.name)
def test_killed_round_resumes_to_the_same_weights(tmp_path, uninterrupted, sig):
    out = tmp_path / "model.pt"
    snapshot = tmp_path / "model.resume.pt"
    proc = train_in_subprocess(out)
    wait_for(snapshot, proc)  # the first periodic snapshot: training is under way
    time.sleep(random.uniform(0, 1.5))  # then a random step
    proc.send_signal(sig)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode != 0, "training finished before the signal; the test needs more steps"
    assert not out.exists(), "an interrupted round must not leave its checkpoint"
    stopped_at = torch.load(snapshot, weights_only=True)["step"]
    assert 0 < stopped_at < STEPS
    if sig != signal.SIGKILL:  # a graceful stop snapshots the step it stopped at and says how to go on
        assert f"{sig.name} received at step {stopped_at} of {STEPS}" in stderr
    print(f"{sig.name}: interrupted at step {stopped_at} of {STEPS}")

    proc = train_in_subprocess(out)
    stderr = proc.communicate(timeout=300)[1]
    assert proc.returncode == 0, stderr
    assert f"resuming from {snapshot} at step {stopped_at} of {STEPS}" in stderr
    assert not snapshot.exists(), "a finished round removes its snapshot"
    assert_same_state(out, uninterrupted)


def test_a_snapshot_of_other_settings_is_not_resumed(tmp_path, uninterrupted):
    out = tmp_path / "model.pt"
    proc = train_in_subprocess(out, steps=STEPS + 50)  # another round: more steps
    wait_for(tmp_path / "model.resume.pt", proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    proc = train_in_subprocess(out)
    stderr = proc.communicate(timeout=300)[1]
    assert proc.returncode == 0, stderr
    assert "ignoring" in stderr and "resuming" not in stderr
    assert_same_state(out, uninterrupted)


@pytest.mark.workflow
def test_workflow_rerun_after_preemption_resumes_the_training_job(tmp_path):
    """snakemake is stopped with SIGTERM mid-training (what Slurm sends on preemption); running it
    again resumes the round, and the model equals an uninterrupted workflow's, bit for bit."""
    cfg = micro_config()
    cfg["seeds"], cfg["filters"] = [0], ["length"]
    cfg["train"]["base_round"]["steps"] = 400
    cfg["train"]["checkpoint_every"] = 10
    target = "results/micro/round0/seed0/model.pt"

    def run(workdir, **kwargs):
        (workdir / "cfg.yaml").write_text(yaml.safe_dump(cfg))
        cmd = [snakemake_bin(), "--configfile", "cfg.yaml", "--cores", "1", target]
        return subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)

    (tmp_path / "plain").mkdir(), (tmp_path / "killed").mkdir()
    plain, work = copy_workflow(tmp_path / "plain"), copy_workflow(tmp_path / "killed")
    assert run(plain).wait(timeout=600) == 0
    proc = run(work, start_new_session=True)
    wait_for(work / "results/micro/round0/seed0/model.resume.pt", proc, timeout=300)
    time.sleep(random.uniform(0, 1.0))
    os.killpg(proc.pid, signal.SIGTERM)  # the job and snakemake, as when Slurm preempts a job
    output = proc.communicate(timeout=300)[0]
    assert proc.returncode != 0, output
    assert not (work / target).exists()
    log = (work / "results/micro/logs/train/round0_seed0.log").read_text()
    assert "TrainingInterrupted: SIGTERM received at step" in log, log[-2000:]

    rerun = run(work)
    output = rerun.communicate(timeout=600)[0]
    assert rerun.returncode == 0, output
    log = (work / "results/micro/logs/train/round0_seed0.log").read_text()
    assert "resuming from" in log, log[-2000:]
    print([line for line in log.splitlines() if "resuming" in line])
    assert_same_state(work / target, plain / target)
