"""The workflow on a real Slurm: `snakemake --profile profiles/slurm` submits every job with sbatch.

A one-node Slurm with accounting (slurmdbd + MariaDB) and one fake GPU comes from
tests/slurm/up.sh: used as is when it already runs, else started here (as root, with apt-get)
and stopped afterwards. Without either the test is skipped, or fails when
SELFIMPROVE_REQUIRE_SLURM=1 (CI). Snakemake runs under a hard `timeout`: a status query that
hangs fails the test instead of blocking the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_workflow, micro_config, snakemake_bin

pytestmark = pytest.mark.workflow

SCRIPTS = ROOT / "tests" / "slurm"
REQUIRED = os.environ.get("SELFIMPROVE_REQUIRE_SLURM") == "1"
SNAKEMAKE_LIMIT = int(os.environ.get("SELFIMPROVE_SLURM_TIMEOUT", "900"))  # seconds; the run takes 2-3 minutes
MODEL_RULES = {"train", "generate", "evaluate", "probe"}  # these request gpu=1; every other rule none
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: ([^)]*)\)")


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"Slurm required (SELFIMPROVE_REQUIRE_SLURM=1): {reason}")
    pytest.skip(reason)


def run(cmd: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)


def idle_node() -> bool:
    """Whether a Slurm controller answers with an idle node."""
    if not shutil.which("sinfo"):
        return False
    try:
        out = run(["sinfo", "-h", "-o", "%T"])
    except subprocess.TimeoutExpired:
        return False
    return out.returncode == 0 and "idle" in out.stdout.split()


def unusable_because() -> str | None:
    """Why the running Slurm cannot run this test (None: it can)."""
    if run(["sacct", "-n", "-X"]).returncode != 0:
        return "sacct fails: no accounting database (the Slurm executor would wait forever)"
    if "gpu" not in run(["sinfo", "-h", "-o", "%G"]).stdout:
        return "no node has a gpu gres (tests/slurm/up.sh configures a fake one)"
    return None


def stop_slurm():
    subprocess.run(["bash", str(SCRIPTS / "down.sh")], check=False, timeout=120)


@pytest.fixture(scope="module")
def slurm():
    """A working Slurm for the module; brought up (and down again) here when none runs."""
    started = False
    if not idle_node():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            unavailable("no Slurm answers with an idle node, and tests/slurm/up.sh needs root and apt-get")
        t0 = time.monotonic()
        started = True
        up = subprocess.run(["bash", str(SCRIPTS / "up.sh")], check=False, capture_output=True, text=True, timeout=900)
        if up.returncode != 0:
            stop_slurm()
            pytest.fail(f"tests/slurm/up.sh failed (rc {up.returncode}):\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}")
        print(f"\nSlurm brought up in {time.monotonic() - t0:.1f} s")
    reason = unusable_because()
    if reason:
        if started:
            stop_slurm()
        unavailable(f"the running Slurm cannot run this test: {reason}")
    yield
    if started:
        t0 = time.monotonic()
        stop_slurm()
        print(f"\nSlurm stopped in {time.monotonic() - t0:.1f} s")


def slurm_config() -> dict:
    """The micro config cut to one seed and one round; model jobs ask for the fake GPU."""
    cfg = micro_config()
    cfg.update(seeds=[0], filters=["length"], rounds=1, device="auto")
    cfg["majority_vote"] = {"models": 1, "min_agree": 1}  # unused without the filter, but required
    # Round 0 trains long enough to be preempted mid-way, with a snapshot every 10 steps.
    cfg["train"]["base_round"].update(steps=300, warmup_steps=10)
    cfg["train"]["checkpoint_every"] = 10
    cfg["resources"] = {
        "gpus": 1,
        # Small requests: the test node may be any CI machine (Slurm refuses more than it has).
        "model_jobs": {"mem_mb": 1500, "runtime": 10},
        "data_jobs": {"mem_mb": 500, "runtime": 5},
    }
    return cfg


def diagnostics(workdir: Path, output: str) -> str:
    """Snakemake's output tail and the Slurm job logs, for a failure message."""
    parts = [f"--- snakemake output (tail) ---\n{output[-6000:]}"]
    for log in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log")):
        parts.append(f"--- {log.relative_to(workdir)} (tail) ---\n{log.read_text(errors='replace')[-3000:]}")
    for log in (Path("/var/log/slurm/slurmctld.log"), Path("/var/log/slurm/slurmd.log")):
        if os.access(log, os.R_OK):
            tail = "".join(log.read_text(errors="replace").splitlines(True)[-30:])
            parts.append(f"--- {log} (tail) ---\n{tail}")
    return "\n".join(parts)


def preempt_training(workdir: Path, proc: subprocess.Popen, deadline: float) -> int:
    """Once round 0's training has snapshotted, signal its Slurm job as a preemption would
    (SIGTERM to every process of the job, the batch script included). Returns the job id."""
    snapshot = workdir / "results/micro/round0/seed0/model.resume.pt"
    while not snapshot.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "training never wrote a snapshot"
        time.sleep(0.05)
    jobs = run(["squeue", "-h", "-o", "%i|%k"]).stdout.split()
    train = [int(j.split("|")[0]) for j in jobs if j.split("|")[1].startswith("rule_train_wildcards_0_0")]
    assert len(train) == 1, jobs
    signalled = run(["scancel", "--signal=TERM", "--full", str(train[0])])
    assert signalled.returncode == 0, signalled.stderr
    return train[0]


def test_workflow_runs_through_slurm_and_survives_preemption(slurm, tmp_path):
    """A micro experiment through `--profile profiles/slurm`; round 0's training job is signalled
    mid-way as at preemption, Snakemake resubmits it (the profile's retries), it resumes from its
    snapshot and ends with the weights of an uninterrupted local run, bit for bit."""
    (tmp_path / "slurm").mkdir()
    workdir = copy_workflow(tmp_path / "slurm")  # profiles/slurm included
    cfg = workdir / "slurm_config.yaml"
    cfg.write_text(yaml.safe_dump(slurm_config()))
    cmd = [
        "timeout", "-k", "10", str(SNAKEMAKE_LIMIT),
        snakemake_bin(), "--profile", "profiles/slurm", "--configfile", str(cfg),
        "--slurm-status-command", "sacct",  # the accounting path of real clusters (also the plugin's default)
        "--slurm-init-seconds-before-status-checks", "2",
    ]  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        preempted = preempt_training(workdir, proc, t0 + SNAKEMAKE_LIMIT)
        output = proc.communicate(timeout=SNAKEMAKE_LIMIT + 60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    wall = time.monotonic() - t0
    (workdir / "snakemake.log").write_text(output)  # kept in pytest's tmp dir
    run_id = re.search(r"SLURM run ID: (\S+)", output)
    if proc.returncode != 0 and run_id:  # leave no queued job behind
        subprocess.run(["scancel", "--name", run_id.group(1)], check=False, capture_output=True, timeout=30)
    if proc.returncode in (124, 137, -9):  # timeout's SIGKILL also reaches timeout itself: -9
        pytest.fail(f"snakemake did not finish within {SNAKEMAKE_LIMIT} s (killed)\n" + diagnostics(workdir, output))
    assert proc.returncode == 0, f"snakemake failed (rc {proc.returncode})\n" + diagnostics(workdir, output)

    # What `rule all` asks for.
    res = workdir / "results" / "micro"
    assert (res / "summary" / "accuracy.parquet").stat().st_size > 0
    for name in ("accuracy_by_round.png", "accuracy_heatmap.png", "selflabels.png"):
        assert (res / "plots" / name).stat().st_size > 10_000, name

    # The preempted round resumed (its second attempt's log says from where) ...
    train_log = (res / "logs/train/round0_seed0.log").read_text()
    resumed = re.search(r"resuming from \S+ at step (\d+) of 300", train_log)
    assert resumed, train_log[-3000:]
    # ... to the weights of an uninterrupted run (here, locally).
    (tmp_path / "local").mkdir()
    local = copy_workflow(tmp_path / "local")
    target = "results/micro/round0/seed0/model.pt"
    plain = subprocess.run([snakemake_bin(), "--configfile", str(cfg), "--cores", "1", target], cwd=local,
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert_same_weights(workdir / target, local / target)

    # Every job snakemake ran, except the target rule `all`, was a Slurm job; the preempted
    # training was submitted twice.
    submitted = {int(slurm_id): log for _, slurm_id, log in SUBMITTED.findall(output)}
    finished = re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", output)
    ran = Counter(rule for rule in finished if rule != "all")
    assert submitted, "no job was submitted to Slurm\n" + diagnostics(workdir, output)
    assert preempted in submitted and len(submitted) == sum(ran.values()) + 1, (ran, submitted)
    assert MODEL_RULES - {"probe"} <= set(ran), ran

    # ... and Slurm's accounting agrees: each one completed but the preempted one, GPUs exactly
    # for the model rules.
    acct = run(
        ["sacct", "-X", "--parsable2", "--noheader", "-j", ",".join(map(str, submitted)),
         "--format=JobIDRaw,Comment,State,AllocTRES"]
    )  # fmt: skip
    assert acct.returncode == 0, acct.stderr
    rows = [line.split("|") for line in acct.stdout.splitlines() if line]
    print(f"\nsnakemake ran {len(submitted)} Slurm jobs in {wall:.1f} s; job {preempted} preempted, "
          f"resumed at step {resumed.group(1)}; sacct:\n{acct.stdout}", end="")  # fmt: skip
    assert sorted(int(r[0]) for r in rows) == sorted(submitted), acct.stdout
    accounted = Counter()
    for job_id, comment, state, tres in rows:
        rule = re.search(r"/slurm_logs/rule_(\w+)/", submitted[int(job_id)]).group(1)
        assert re.fullmatch(rf"rule_{rule}(_wildcards_.*)?", comment), (job_id, rule, comment)  # the plugin's --comment
        if int(job_id) == preempted:
            assert state != "COMPLETED", (job_id, rule, state)
        else:
            assert state == "COMPLETED", (job_id, rule, state)
            accounted[rule] += 1
        gpus = re.search(r"gres/gpu=(\d+)", tres)
        if rule in MODEL_RULES:
            assert gpus and gpus.group(1) == "1", (job_id, rule, tres)
        else:
            assert "gpu" not in tres, (job_id, rule, tres)
    assert accounted == ran, (accounted, ran)


def assert_same_weights(a: Path, b: Path):
    import torch

    wa, wb = torch.load(a, weights_only=True)["model"], torch.load(b, weights_only=True)["model"]
    assert wa.keys() == wb.keys()
    for name in wa:
        assert torch.equal(wa[name], wb[name]), f"{name} differs from the uninterrupted run"
