"""The workflow on a real Slurm: `snakemake --profile profiles/slurm` submits each (round, seed)'s
model jobs as one GPU job on the gpu partition, the round-0 data as one CPU job on the cpu
partition, and runs every table job itself.

A one-node Slurm with accounting (slurmdbd + MariaDB), two fake GPUs and two partitions comes from
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
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_workflow, micro_config, snakemake_bin

pytestmark = pytest.mark.workflow

SCRIPTS = ROOT / "tests" / "slurm"
REQUIRED = os.environ.get("SELFIMPROVE_REQUIRE_SLURM") == "1"
SNAKEMAKE_LIMIT = int(os.environ.get("SELFIMPROVE_SLURM_TIMEOUT", "900"))  # seconds; the run takes 2-3 minutes
MODEL_RULES = {"train", "generate", "vote", "evaluate"}  # one GPU job per (round, seed)
DATA_RULES = {"eval_prompts", "base_dataset"}  # one CPU job
TABLE_RULES = {"selflabel_prompts", "filter_labels", "build_dataset", "summarize", "provenance"}  # local, among others
SEEDS, ROUNDS = [0, 1, 2], 3  # 12 (round, seed) pairs
MAX_JOBS_PER_ROUND_AND_SEED = 1.2  # issue 18's target, the preempted job's second submission included
SUBMITTED = re.compile(r"Job \S+ has been submitted with SLURM jobid (\d+) \(log: ([^)]*)\)")


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
    if "gpu:2" not in run(["sinfo", "-h", "-o", "%G"]).stdout:
        return "no node has two gpu gres (tests/slurm/up.sh configures fake ones)"
    if set(run(["sinfo", "-h", "-o", "%R"]).stdout.split()) < {"cpu", "gpu"}:
        return "no partitions named cpu and gpu (those of profiles/slurm/partitions.yaml; tests/slurm/up.sh makes them)"
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
    """The micro config (three seeds voting) over four rounds; model jobs ask for a fake GPU."""
    cfg = micro_config()
    cfg.update(seeds=SEEDS, rounds=ROUNDS, device="auto")
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
    train = [int(j.split("|")[0]) for j in jobs if j.split("|")[1].startswith("rule_models_round0_seed0_")]
    assert len(train) == 1, jobs
    signalled = run(["scancel", "--signal=TERM", "--full", str(train[0])])
    assert signalled.returncode == 0, signalled.stderr
    return train[0]


def test_workflow_runs_through_slurm_and_survives_preemption(slurm, tmp_path):
    """A micro experiment (3 seeds voting, 4 rounds) through `--profile profiles/slurm`. Round 0's
    GPU job of seed 0 is signalled mid-way as at preemption, Snakemake resubmits it (the profile's
    retries), its training resumes from its snapshot and ends with the weights of an uninterrupted
    local run, bit for bit. Slurm's accounting shows at most 1.2 jobs per (round, seed): model jobs
    on the gpu partition with one GPU each, the data on the cpu partition, no table job in Slurm."""
    (tmp_path / "slurm").mkdir()
    workdir = copy_workflow(tmp_path / "slurm")  # profiles/slurm included
    cfg = workdir / "slurm_config.yaml"
    cfg.write_text(yaml.safe_dump(slurm_config()))
    cmd = [
        "timeout", "-k", "10", str(SNAKEMAKE_LIMIT),
        snakemake_bin(), "--profile", "profiles/slurm", "--configfile", str(cfg),
        "--cores", "2",  # what one Slurm job may take: the test node has 2 CPUs
        "--slurm-status-command", "sacct",  # the accounting path of real clusters (also the plugin's default)
        "--slurm-init-seconds-before-status-checks", "2",
        "--slurm-keep-successful-logs",  # each Slurm job's log says which rules it ran
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

    jobs = slurm_jobs(output)
    print(f"\nsnakemake ran {len(jobs)} Slurm jobs in {wall:.1f} s; job {preempted} preempted, resumed at step {resumed.group(1)}")
    assert preempted in jobs, (preempted, sorted(jobs))
    check_accounting(jobs, preempted)
    check_what_ran_where(jobs, output)


def slurm_jobs(output: str) -> dict[int, Path]:
    """Slurm job id -> its log, for every job snakemake submitted."""
    jobs = {int(job_id): Path(log) for job_id, log in SUBMITTED.findall(output)}
    assert jobs, "no job was submitted to Slurm\n" + output[-6000:]
    return jobs


def check_accounting(jobs: dict[int, Path], preempted: int):
    """sacct: every job completed but the preempted one; GPU jobs on gpu with one GPU, the rest on
    cpu with none; at most MAX_JOBS_PER_ROUND_AND_SEED jobs per (round, seed)."""
    acct = run(
        ["sacct", "-X", "--parsable2", "--noheader", "-j", ",".join(map(str, jobs)),
         "--format=JobIDRaw,Comment,Partition,State,AllocTRES"]
    )  # fmt: skip
    assert acct.returncode == 0, acct.stderr
    rows = [line.split("|") for line in acct.stdout.splitlines() if line]
    print(f"sacct:\n{acct.stdout}", end="")
    assert sorted(int(r[0]) for r in rows) == sorted(jobs), acct.stdout
    for job_id, comment, partition, state, tres in rows:
        assert (state == "COMPLETED") == (int(job_id) != preempted), (job_id, comment, state)
        gpus = re.search(r"gres/gpu=(\d+)", tres)
        if comment.startswith("rule_models_"):
            assert partition == "gpu" and gpus and gpus.group(1) == "1", (job_id, comment, partition, tres)
        else:
            assert comment.startswith("rule_data_") and partition == "cpu" and not gpus, (job_id, comment, partition, tres)
    per_round_and_seed = len(rows) / ((ROUNDS + 1) * len(SEEDS))
    print(f"{len(rows)} Slurm jobs for {(ROUNDS + 1) * len(SEEDS)} (round, seed) pairs: {per_round_and_seed:.3f} per pair")
    assert per_round_and_seed <= MAX_JOBS_PER_ROUND_AND_SEED


def check_what_ran_where(jobs: dict[int, Path], output: str):
    """Each Slurm job's log names the rules it ran: model rules in GPU jobs, the data rules in the
    CPU job; the table jobs finished, in no Slurm job: where snakemake ran."""
    in_slurm = {}
    for job_id, log in jobs.items():
        rules = set(re.findall(r"^\s*rule (\w+):", log.read_text(), flags=re.M))
        in_slurm[job_id] = rules
        assert rules <= MODEL_RULES or rules <= DATA_RULES, (job_id, log.name, rules)
    assert set().union(*in_slurm.values()) == MODEL_RULES | DATA_RULES, in_slurm
    finished = set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", output))
    assert TABLE_RULES <= finished, finished  # ... and no Slurm job ran them: they ran here


def assert_same_weights(a: Path, b: Path):
    import torch

    wa, wb = torch.load(a, weights_only=True)["model"], torch.load(b, weights_only=True)["model"]
    assert wa.keys() == wb.keys()
    for name in wa:
        assert torch.equal(wa[name], wb[name]), f"{name} differs from the uninterrupted run"
