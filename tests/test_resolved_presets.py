"""Presets are overlays: config/config.yaml < the preset's bases (`extends:`) < the preset < --config.

Each preset at each of its scales must resolve to exactly the values recorded in
tests/configs/resolved_presets.json (recorded before the presets became overlays); a change to a
resolved value is a change of the experiment and has to update that file on purpose.
"""

import json

import pytest
import yaml
from conftest import ROOT, run_snakemake

from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.jobs import without_scheduling
from selfimprove.workflow.presets import base_layers, load, resolve
from selfimprove.workflow.scales import merge

RECORDED = json.loads((ROOT / "tests" / "configs" / "resolved_presets.json").read_text())
PRESETS = [ROOT / "config" / "config.yaml", *sorted(p for p in (ROOT / "config" / "experiments").glob("*.yaml"))]


def resolved(path, scale):
    cfg = resolve(path, {"scale": scale})
    cfg.pop("scales", None)  # how a scale is written may change; what it resolves to may not
    return json.loads(json.dumps(cfg, sort_keys=True))


def test_every_preset_and_scale_is_recorded():
    recorded = {key.split("@")[0] for key in RECORDED}
    assert recorded == {str(p.relative_to(ROOT)) for p in PRESETS}


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_a_preset_resolves_to_its_recorded_values(key):
    path, scale = key.split("@")
    assert resolved(ROOT / path, scale) == RECORDED[key]


def leaves(d, prefix=()):
    for key, value in d.items():
        if isinstance(value, dict) and key not in ("sweep", "figures"):
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


@pytest.mark.parametrize("path", PRESETS[1:], ids=lambda p: p.stem)
def test_a_preset_restates_nothing_its_bases_already_say(path):
    """One place for each fact: no value a preset sets equals what its `extends:` bases give it
    (a learning-rate schedule counts as one value: it is read, and written, as a whole)."""
    preset = load(path)
    bases = base_layers(preset, ROOT)
    inherited = {}
    for layer in bases:
        inherited = merge(inherited, layer)
    below = dict(leaves(inherited))
    mine = dict(leaves({k: v for k, v in preset.items() if k != "extends"}))
    schedules = {k[: k.index(s) + 1] for k in mine for s in ("base_round", "later_rounds") if s in k}
    restated = [".".join(k) for k, v in mine.items() if k in below and below[k] == v and k[:-1] not in schedules]
    restated = [k for k in restated if k.split(".")[0] not in ("task", "experiment")]  # a preset names what it runs
    assert not restated, f"{path.name} restates {restated}"


def test_the_papers_presets_share_one_base():
    extends_paper = [p.stem for p in PRESETS[1:] if any(b == load(ROOT / "config/bases/paper.yaml") for b in base_layers(load(p), ROOT))]
    assert len(extends_paper) >= 11, extends_paper  # Lee et al.'s presets (pretrained_start's model is the checkpoint's)
    assert sum("d_ff: 1536" in p.read_text() for p in PRESETS) == 0  # the paper's model is written once, in paper.yaml


@pytest.mark.parametrize(
    "extends, message",
    [("config/experiments/nowhere.yaml", "no base config"), ("../outside.yaml", "outside the workflow directory")],
)
def test_a_bad_base_is_a_config_error(tmp_path, extends, message):
    preset = tmp_path / "p.yaml"
    preset.write_text(yaml.safe_dump({"extends": extends, "experiment": "x"}))
    with pytest.raises(ConfigError, match=message):
        resolve(preset)


def test_a_base_that_extends_itself_is_refused(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "a.yaml").write_text("extends: config/a.yaml\n")
    with pytest.raises(ConfigError, match="extends itself"):
        base_layers({"extends": "config/a.yaml"}, tmp_path)


def test_snakemake_runs_with_the_resolved_config(workdir):
    """What Snakemake parses (recorded in provenance.yaml) is what resolve() says: bases, preset, --config and scale."""
    preset = load(ROOT / "config" / "experiments" / "label_noise.yaml")
    result = run_snakemake(workdir, "results/reverse_addition_smoke/provenance.yaml", "--config", "scale=smoke", config=preset)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    recorded = yaml.safe_load((workdir / "results" / "reverse_addition_smoke" / "provenance.yaml").read_text())["config"]
    expected = without_scheduling(resolve(ROOT / "config" / "experiments" / "label_noise.yaml", {"scale": "smoke"}))
    assert json.loads(json.dumps(recorded, sort_keys=True)) == json.loads(json.dumps(expected, sort_keys=True))


def test_the_command_line_prints_a_presets_resolved_config(capsys):
    from selfimprove.workflow.presets import main

    main([str(ROOT / "config/experiments/reverse.yaml"), "scale=smoke"])
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == resolved(ROOT / "config/experiments/reverse.yaml", "smoke")
    assert printed["experiment"] == "reverse_smoke" and printed["model"]["d_model"] == 32
