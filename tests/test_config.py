"""A malformed configuration stops Snakemake at parse time, names the key, writes nothing."""

import copy

import pytest
import yaml

from conftest import ROOT, micro_config, run_snakemake


def with_change(path, value):
    cfg = micro_config()
    *parents, last = path.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return cfg


DELETE = object()

CASES = [
    # (key path, bad value, text the error must contain)
    ("train.base_round.steps", -5, "steps"),
    ("train.later_rounds.steps", 0, "steps"),
    ("train.base_round.lr", "fast", "lr"),
    ("rounds", 2.5, "rounds"),
    ("seeds", "0,1,2", "seeds"),
    ("task", "multiplicaton", "config key 'task': unknown task 'multiplicaton'; available: copy, forward_addition, maze, multiplication"),
    ("task", "multiplication", "config key 'data.base_difficulty': a difficulty of task 'multiplication' is a list of 2 integers"),
    ("data.eval_difficulties", [[1, 2], 3], "config key 'data.eval_difficulties': a difficulty of task 'reverse_addition' is one integer"),
    ("self_improve.schedule", [[9]], "config key 'self_improve.schedule': has 1 entries (one per round), but rounds=2 needs 2"),
    ("filters", ["length", "confidence"], "config key 'filters': unknown filter 'confidence'"),
    ("majority_vote.models", 5, "majority_vote.models"),
    ("majority_vote.min_agree", 4, "majority_vote.min_agree"),
    ("model.pos_encoding", "alibi", "pos_encoding"),
    ("model.d_model", 33, "model.d_model"),
    ("data.base_difficulty", [7, 1], "data.base_difficulty"),
    ("device", "tpu", "device"),
    ("train.later_rounds.warmup_steps", 50, "train.later_rounds"),  # warmup + decay longer than the round
    ("train.learning_rate", 0.1, "learning_rate"),  # unknown key (typo)
    ("train.base_round", DELETE, "base_round"),  # missing key
]


@pytest.mark.parametrize("path,value,message", CASES, ids=[c[0] + ("-missing" if c[1] is DELETE else "") for c in CASES])
def test_bad_config_fails_before_any_job(workdir, path, value, message):
    cfg = with_change(path, value)
    if value is DELETE:  # the default config file would fill in a key missing from --configfile
        (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(copy.deepcopy(cfg)))
    result = run_snakemake(workdir, "-n", config=cfg, timeout=120)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (workdir / "results").exists()


def test_micro_config_is_valid(workdir):
    result = run_snakemake(workdir, "-n", timeout=120)
    assert result.returncode == 0, result.stderr


SHIPPED_CONFIGS = sorted(p for p in (ROOT / "config").rglob("*.yaml") if p.name != "schema.yaml")


SHIPPED_SCALES = [(p, scale) for p in SHIPPED_CONFIGS for scale in ["full", *(yaml.safe_load(p.read_text()).get("scales") or {})]]


@pytest.mark.parametrize("path, scale", SHIPPED_SCALES, ids=lambda v: getattr(v, "name", v))
def test_every_shipped_config_and_scale_plans_a_dag(workdir, path, scale):
    cfg = {**yaml.safe_load(path.read_text()), "scale": scale}
    init_from = cfg["model"].get("init_from")
    if scale == "full" and init_from:  # a user-supplied checkpoint: stand in a tiny random one
        from selfimprove.pretrained import make_tiny_llama

        make_tiny_llama(workdir / init_from, "0123456789+=")
    result = run_snakemake(workdir, "-n", config=cfg, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
