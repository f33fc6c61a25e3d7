"""A malformed configuration stops Snakemake at parse time, names the key, writes nothing.\n\nThe checks are plain Python (check_config runs them in-process); a few tests run Snakemake itself."""

import pytest
import yaml
from conftest import ROOT, check_config, job_blocks, micro_config, run_snakemake

from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.presets import resolve


def with_change(path, value):
    cfg = micro_config()
    *parents, last = path.split(".")
    node = cfg
    for key in parents:
        node = node.setdefault(key, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return cfg


DELETE = object()
NOISE = {"kinds": ["random"], "fractions": [0.3], "trials": 1, "continue_rounds": 1}
ACCELERATED = {"threshold": 0.9, "probe_examples": 10, "max_jump": 2}
RISE = {
    "iterations": 1,
    "problems": 8,
    "collect": {"source": "self", "turns": 2},
    "convert": {"criterion": "best"},
    "finetune": {"steps": 5, "lr": 0.001, "warmup_steps": 0, "decay_fraction": 0.0},
    "evaluate": {"turns": 2, "samples": 2},
}

CASES = [
    # (key path, bad value, text the error must contain: the key, and what is allowed there)
    # wrong types
    ("rounds", 2.5, "config key 'rounds': 2.5 is not of type 'integer'"),
    ("seeds", "0,1,2", "config key 'seeds': '0,1,2' is not of type 'array'"),
    ("train.base_round.lr", "fast", "config key 'train.base_round.lr': 'fast' is not of type 'number'"),
    ("filters", "length", "config key 'filters': 'length' is not of type 'array'"),
    ("task", 7, "config key 'task': 7 is not of type 'string'"),
    ("resources.data_jobs", {"runtime": "1h"}, "config key 'resources.data_jobs.runtime': '1h' is not of type 'integer'"),
    ("train.continue_training", "yes", "config key 'train.continue_training': 'yes' is not of type 'boolean'"),
    # unknown names
    (
        "task",
        "multiplicaton",
        "config key 'task': unknown task 'multiplicaton'; available: copy, counting, counting_both, forward_addition, maze, multiplication",
    ),
    ("filters", ["length", "confidence"], "config key 'filters': unknown filter 'confidence'; available:"),
    ("model.pos_encoding", "alibi", "config key 'model.pos_encoding': 'alibi' is not one of ['none', 'rope', 'learned', 'sinusoidal']"),
    ("device", "tpu", "config key 'device': 'tpu' is not one of ['cpu', 'cuda', 'auto']"),
    (
        "label_noise",
        {**NOISE, "start_rounds": [0], "kinds": ["flip"]},
        "config key 'label_noise.kinds.0': 'flip' is not one of ['random', 'drop', 'perturb', 'both']",
    ),
    # unknown and missing keys
    ("train.learning_rate", 0.1, "config key 'train.learning_rate': unknown key; allowed keys here: base_round, batch_size,"),
    ("resources.gpu", 1, "config key 'resources.gpu': unknown key; allowed keys here: data_jobs, gpus, model_jobs"),
    ("epochs", 3, "config key 'epochs': unknown key; allowed keys here:"),
    ("train.base_round", DELETE, "config key 'train.base_round': is required and missing"),
    ("model.n_head", DELETE, "config key 'model.n_head': is required and missing"),
    # zero, negative or out-of-range sizes
    ("train.base_round.steps", -5, "config key 'train.base_round.steps': -5 is less than the minimum of 1 (optimizer steps)"),
    ("train.later_rounds.steps", 0, "config key 'train.later_rounds.steps': 0 is less than the minimum of 1"),
    ("train.batch_size", 0, "config key 'train.batch_size': 0 is less than the minimum of 1"),
    ("data.base_size", 0, "config key 'data.base_size': 0 is less than the minimum of 1 (round-0 training examples)"),
    ("data.eval_examples", -3, "config key 'data.eval_examples': -3 is less than the minimum of 1"),
    ("self_improve.examples_per_round", 0, "config key 'self_improve.examples_per_round': 0 is less than the minimum of 1"),
    ("generation.batch_size", 0, "config key 'generation.batch_size': 0 is less than the minimum of 1"),
    ("model.n_layer", 0, "config key 'model.n_layer': 0 is less than the minimum of 1"),
    ("threads", 0, "config key 'threads': 0 is less than the minimum of 1"),
    ("train.newest_fraction", 0, "config key 'train.newest_fraction': 0 is less than or equal to the minimum of 0"),
    ("train.checkpoint_every", -1, "config key 'train.checkpoint_every': -1 is less than the minimum of 0"),
    ("resources.model_jobs", {"mem_mb": 0}, "config key 'resources.model_jobs.mem_mb': 0 is less than the minimum of 1 (memory in MB"),
    (
        "self_improve.accelerated",
        {**ACCELERATED, "threshold": 1.5},
        "config key 'self_improve.accelerated.threshold': 1.5 is greater than the maximum of 1",
    ),
    ("seeds", [], "config key 'seeds': [] should be non-empty"),
    ("experiment", "my/run", "config key 'experiment': 'my/run' does not match"),
    # names that become paths stay inside results/
    ("experiment", "..", "config key 'experiment': '..' becomes a name under results/ and may not be empty, '.', '..'"),
    ("experiment", ".", "config key 'experiment': '.' becomes a name under results/"),
    ("experiment", "/tmp/x", "config key 'experiment': '/tmp/x' does not match"),
    # inconsistent or impossible settings
    ("seeds", [0, 0, 1], "config key 'seeds': seeds must be distinct, got [0, 0, 1]"),
    ("majority_vote.models", 5, "config key 'majority_vote.models': 5 voting models need at least as many seeds, but 'seeds' lists 3"),
    ("majority_vote.min_agree", 4, "config key 'majority_vote.min_agree': 4 exceeds majority_vote.models=3"),
    ("model.d_model", 33, "config key 'model.d_model': 33 is not divisible by model.n_head=2"),
    ("train.later_rounds.warmup_steps", 50, "config key 'train.later_rounds': warmup_steps + decay_fraction * steps exceeds steps=10"),
    ("model.max_seq_len", 12, "config key 'model.max_seq_len': 12 tokens cannot hold the experiment's hardest examples"),
    ("resources.gpus", 1, "config key 'resources.gpus': 1 GPU(s) per job with device: cpu would hold GPUs that are never used"),
    (
        "label_noise",
        {**NOISE, "start_rounds": [2]},
        "config key 'label_noise.start_rounds': round 2 has no self-labels: rounds=2 labels rounds 0..1",
    ),
    # introspection (RISE)
    (
        "introspection",
        {**RISE, "collect": {"source": "teacher", "turns": 2}},
        "config key 'introspection.collect.teacher': source 'teacher' needs a teacher",
    ),
    (
        "introspection",
        {**RISE, "collect": {"source": "teacher", "turns": 2, "teacher": "nowhere.pt"}},
        "config key 'introspection.collect.teacher': nowhere.pt does not exist",
    ),
    (
        "introspection",
        {**RISE, "collect": {"source": "self", "turns": 1}},
        "config key 'introspection.collect.turns': 1 is less than the minimum of 2",
    ),
    (
        "introspection",
        {**RISE, "convert": {"criterion": "greedy"}},
        "config key 'introspection.convert.criterion': 'greedy' is not one of ['all', 'better', 'best', 'success']",
    ),
    (
        "introspection",
        {**RISE, "environment": {"kind": "jsonl", "train": "gone.jsonl", "test": "gone.jsonl"}},
        "config key 'introspection.environment': no problem file gone.jsonl",
    ),
    (
        "introspection",
        {**RISE, "environment": {"kind": "jsonl"}},
        "config key 'introspection.environment': kind jsonl needs problem files: train and test missing",
    ),
    # difficulties that do not fit the task or the schedule
    ("task", "multiplication", "config key 'data.base_difficulty': a difficulty of task 'multiplication' is a list of 2 integers"),
    ("data.eval_difficulties", [[1, 2], 3], "config key 'data.eval_difficulties': a difficulty of task 'reverse_addition' is one integer"),
    ("data.base_difficulty", [7, 1], "config key 'data.base_difficulty': [7, 1] is empty: the first value must not exceed the second"),
    ("data.base_difficulty", [0, 3], "config key 'data.base_difficulty': difficulties start at 1"),
    ("self_improve.schedule", [[9]], "config key 'self_improve.schedule': has 1 entries (one per round), but rounds=2 needs 2"),
    ("self_improve.difficulty_step", 0, "config key 'self_improve.difficulty_step': 0 must be >= 0 on every axis and > 0 on one"),
]


@pytest.mark.parametrize("path,value,message", CASES, ids=[c[0] + ("-missing" if c[1] is DELETE else "") for c in CASES])
def test_bad_config_is_refused_with_the_key_named(monkeypatch, path, value, message):
    monkeypatch.chdir(ROOT)  # problem files and teachers are paths from the workflow's directory
    cfg = with_change(path, value)
    with pytest.raises(ValueError) as err:  # ConfigError, or Snakemake's own schema error
        check_config(cfg, defaults=value is not DELETE)  # a missing key must not be filled in by config/config.yaml
    assert message in str(err.value)


THROUGH_SNAKEMAKE = {
    "schema": ("rounds", 2.5),
    "seeds": ("seeds", [0, 0, 1]),
    "difficulty": ("task", "multiplication"),
    "path": ("experiment", ".."),
}


@pytest.mark.parametrize("case", [next(c for c in CASES if c[:2] == v) for v in THROUGH_SNAKEMAKE.values()], ids=list(THROUGH_SNAKEMAKE))
def test_snakemake_stops_on_a_bad_config_before_any_job(workdir, case):
    path, value, message = case
    result = run_snakemake(workdir, "-n", config=with_change(path, value), timeout=120)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (workdir / "results").exists()


def test_an_introspection_episode_must_fit_the_position_table(monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg = with_change(
        "introspection",
        {
            **RISE,
            "evaluate": {"turns": 5, "samples": 2, "full_history": True},
            "environment": {"kind": "jsonl", "train": "data/word_problems/train.jsonl", "test": "data/word_problems/test.jsonl"},
        },
    )
    cfg["model"]["pos_encoding"] = "rope"
    with pytest.raises(ConfigError, match="config key 'model.max_seq_len': 1024 tokens cannot hold the longest introspection episode"):
        check_config(cfg)
    cfg["introspection"]["evaluate"]["full_history"] = False  # two attempts of a word problem fit
    assert check_config(cfg).arms == ["rise", "single_turn"]


def test_micro_config_is_valid(workdir):
    result = run_snakemake(workdir, "-n", timeout=120)
    assert result.returncode == 0, result.stderr


SHIPPED_CONFIGS = sorted(p for p in (ROOT / "config").rglob("*.yaml") if p.name != "schema.yaml" and p.parent.name != "bases")


SHIPPED_SCALES = [(p, scale) for p in SHIPPED_CONFIGS for scale in ["full", *(yaml.safe_load(p.read_text()).get("scales") or {})]]


@pytest.mark.parametrize("path, scale", SHIPPED_SCALES, ids=lambda v: getattr(v, "name", v))
def test_every_shipped_config_and_scale_plans_a_dag(workdir, path, scale):
    cfg = {**yaml.safe_load(path.read_text()), "scale": scale}  # its `extends:` bases are read in the workdir's copy
    init_from = resolve(path, {"scale": scale})["model"].get("init_from")
    if scale == "full" and init_from:  # a user-supplied checkpoint: stand in a tiny random one
        from selfimprove.interop.pretrained import make_tiny_llama

        make_tiny_llama(workdir / init_from, "0123456789+=")
    result = run_snakemake(workdir, "-n", config=cfg, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("device, gpus, expected", [("cuda", None, 1), ("auto", 1, 1), ("auto", None, 0), ("cpu", 0, 0)])
def test_model_jobs_request_gpus_only_when_the_device_can_be_cuda(workdir, device, gpus, expected):
    import re

    cfg = micro_config()
    cfg["device"] = device
    if gpus is not None:
        cfg["resources"] = {"gpus": gpus}
    result = run_snakemake(workdir, "-n", "--verbose", config=cfg, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    requests = {}
    for name, block in job_blocks(result.stdout):
        resources = re.search(r"resources: (.*)", block)
        if resources and name != "all":
            requests.setdefault(name, set()).add(
                re.search(r"gpu=(\d+)", resources.group(1)).group(1) if "gpu=" in resources.group(1) else "0"
            )
    model_rules = {"train", "generate", "vote", "evaluate"}  # vote: another seed's model labels this seed's prompts
    assert model_rules <= set(requests) and {"filter_labels", "build_dataset", "eval_prompts"} <= set(requests)
    for name, values in requests.items():
        assert values == {str(expected) if name in model_rules else "0"}, (name, values)
