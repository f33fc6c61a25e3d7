"""Faults a long experiment meets: a GPU out of memory, a diverging loss, a job killed while
writing, a truncated or corrupted input. Each ends cleanly and loses nothing already made."""

from __future__ import annotations

import random
import subprocess
import sys

import pandas as pd
import pytest
import torch
from conftest import micro_config, run_snakemake

from selfimprove.engine import step as step_module
from selfimprove.engine.checkpoint import load_checkpoint
from selfimprove.engine.data import examples_frame, read_table, write_table
from selfimprove.engine.model import ModelConfig
from selfimprove.engine.train import TrainConfig, train_round
from selfimprove.tasks import get_task
from selfimprove.workflow.atomic import atomic_output
from selfimprove.workflow.errors import InputFileError
from selfimprove.workflow.logs import log_to

TASK = get_task("reverse_addition")


def small_dataset(n=300):
    rng = random.Random(0)
    return examples_frame([TASK.sample_base(rng, 1, 4) for _ in range(n)], "base", 0)


def train_small(out, **cfg):
    settings = {"steps": 12, "batch_size": 16, "lr": 3e-3, "seed": 3, **cfg}
    return train_round(
        small_dataset(),
        TrainConfig(**settings),
        out,
        model_config=ModelConfig(vocab_size=0, n_layer=1, n_head=2, d_model=32),
        alphabet=TASK.alphabet,
    )


# --------------------------------------------------------------------------- out of memory


def test_out_of_memory_retries_with_micro_batches_of_the_same_step(tmp_path, monkeypatch, caplog):
    train_small(tmp_path / "plain.pt")
    real_loss, sizes = step_module.packed_loss, []

    def loss_that_fits_8_examples(model, inputs, labels, packing, *args):
        examples = sum(n for _, n, _ in packing.runs)
        sizes.append(examples)
        if examples > 8:  # what a GPU does when a batch does not fit
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_loss(model, inputs, labels, packing, *args)

    monkeypatch.setattr(step_module, "packed_loss", loss_that_fits_8_examples)
    train_small(tmp_path / "micro.pt")
    assert "out of memory: retrying the step as 2 micro-batches" in caplog.text
    assert sizes[:3] == [16, 8, 8] and max(sizes[3:]) == 8  # one retry, then micro-batches for the rest
    plain, _, _ = load_checkpoint(tmp_path / "plain.pt")
    micro, _, _ = load_checkpoint(tmp_path / "micro.pt")
    for (name, a), b in zip(plain.state_dict().items(), micro.state_dict().values()):
        torch.testing.assert_close(a, b, atol=2e-5, rtol=1e-4, msg=f"{name}: micro-batches changed the step")


def test_out_of_memory_on_a_single_example_fails(tmp_path, monkeypatch):
    def never_fits(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(step_module, "packed_loss", never_fits)
    with pytest.raises(torch.OutOfMemoryError):
        train_small(tmp_path / "model.pt")
    assert not (tmp_path / "model.pt").exists()


# --------------------------------------------------------------------------- non-finite loss


def test_diverging_round_fails_clearly_and_keeps_the_previous_round(workdir):
    cfg = micro_config()
    cfg["seeds"], cfg["filters"] = [0], ["length"]
    cfg["train"]["later_rounds"]["lr"] = 1e10  # round 1 diverges
    result = run_snakemake(workdir, "results/micro/round1/seed0/model.pt", config=cfg)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "TrainingDiverged: non-finite loss nan at step" in out and "a lower learning rate" in out
    round0 = workdir / "results/micro/round0/seed0/model.pt"
    load_checkpoint(round0)  # intact and readable
    assert (workdir / "results/micro/round1/seed0/dataset.parquet").exists()
    assert not (workdir / "results/micro/round1/seed0/model.pt").exists()
    assert not list((workdir / "results/micro/round1/seed0").glob("*.resume.pt"))
    assert "Traceback" not in (workdir / "results/micro/logs/train/round1_seed0.log").read_text()


# --------------------------------------------------------------------------- half-written files

KILLED_WHILE_WRITING = """
import os, signal, sys
import pandas as pd
import pyarrow.parquet as pq
from selfimprove.engine.data import write_table
def write_half_then_die(table, where, **kw):
    open(where, "wb").write(b"PAR1 half of a file")
    os.kill(os.getpid(), signal.SIGKILL)
pq.write_table = write_half_then_die
write_table(pd.DataFrame({"a": [1, 2]}), sys.argv[1])
"""


def test_a_job_killed_while_writing_leaves_nothing_under_the_output_name(tmp_path):
    out = tmp_path / "generations.parquet"
    proc = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, str(out)], capture_output=True, text=True)
    assert proc.returncode == -9
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["generations.tmp.parquet"]  # no rule's output


def test_a_failed_write_leaves_no_file_at_all(tmp_path):
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "plot.png") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- corrupted inputs


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupted_parquet_names_the_file(tmp_path, damage):
    path = tmp_path / "dataset.parquet"
    write_table(small_dataset(50), path)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not parquet at all" * 10, "empty": b""}[damage])
    with pytest.raises(InputFileError, match=f"cannot read Parquet file {path}"):
        read_table(path)


def test_parquet_without_the_needed_columns_names_them(tmp_path):
    path = tmp_path / "accepted.parquet"
    write_table(pd.DataFrame({"prompt": ["1+1="]}), path)
    with pytest.raises(InputFileError, match="lacks column"):
        read_table(path)


def test_truncated_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "model.pt"
    train_small(path, steps=2)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(InputFileError, match=f"cannot read checkpoint {path}"):
        load_checkpoint(path)


def test_a_job_with_a_bad_input_ends_with_one_line_not_a_traceback(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info, log_to(log):
        read_table(tmp_path / "missing.parquet")
    assert exit_info.value.code == 1
    text = log.read_text()
    assert f"InputFileError: cannot read Parquet file {tmp_path / 'missing.parquet'}" in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    "victim, reader",
    [
        ("results/micro/round0/seed0/dataset.parquet", "train"),
        ("results/micro/round0/seed0/model.pt", "generate"),
    ],
)
def test_workflow_stops_on_a_corrupted_intermediate_with_its_name(workdir, victim, reader):
    cfg = micro_config()
    cfg["seeds"], cfg["filters"] = [0], ["length"]
    target = "results/micro/round0/seed0/generations.parquet"
    assert run_snakemake(workdir, target, config=cfg).returncode == 0
    (workdir / target).unlink()
    path = workdir / victim
    path.write_bytes(path.read_bytes()[:200])  # truncated, as by a full disk or a dead node
    result = run_snakemake(workdir, target, config=cfg)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert f"InputFileError: cannot read {'Parquet file' if victim.endswith('parquet') else 'checkpoint'} {victim}" in out
    failed = workdir / f"results/micro/logs/{reader}/round0_seed0.log"
    assert "Traceback" not in failed.read_text()
