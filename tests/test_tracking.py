"""Experiment tracking: the no-op default, TensorBoard event files, offline W&B runs, clear errors."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from selfimprove.workflow.tracking import open_tracker

CONFIG = {"model": {"n_layer": 2}, "seed": 1}


def test_off_by_default_creates_nothing_and_imports_nothing(tmp_path):
    for settings in (None, {}, {"tensorboard": False, "wandb": None}, {"wandb": False}):
        with open_tracker(settings, tmp_path / "run", "r", CONFIG) as tracker:
            tracker.log(0, {"train/loss": 1.0})
        assert not tracker.enabled
    assert not (tmp_path / "run").exists()
    code = (
        "import sys; from selfimprove.workflow.tracking import open_tracker\n"
        "with open_tracker(None, 'unused', 'r', {}) as t: t.log(0, {'a': 1.0})\n"
        "print(sorted(m for m in ('tensorboard', 'wandb', 'torch.utils.tensorboard') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]"


def test_tensorboard_scalars_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    torch = pytest.importorskip("torch")
    with open_tracker({"tensorboard": True}, tmp_path, "r", CONFIG) as tracker:
        tracker.log(0, {"train/loss": 2.5, "train/lr": torch.tensor(1e-3)})
        tracker.log(10, {"train/loss": 1.5, "valid/accuracy": None})
        tracker.log(20, {"train/loss": float("nan"), "valid/accuracy": 0.75})
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    acc = EventAccumulator(str(tmp_path / "tensorboard"))
    acc.Reload()
    assert set(acc.Tags()["scalars"]) == {"train/loss", "train/lr", "valid/accuracy"}
    loss = acc.Scalars("train/loss")
    assert [e.step for e in loss] == [0, 10, 20]
    assert [e.value for e in loss[:2]] == [2.5, 1.5] and math.isnan(loss[2].value)
    assert [(e.step, e.value) for e in acc.Scalars("valid/accuracy")] == [(20, 0.75)]
    assert [e.step for e in acc.Scalars("train/lr")] == [0]
    assert acc.Scalars("train/lr")[0].value == pytest.approx(1e-3)


@pytest.fixture
def offline_wandb(monkeypatch, tmp_path):
    """W&B with nothing leaving the machine: no env mode override, no network, files in tmp_path."""
    pytest.importorskip("wandb")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_API_KEY", "")
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb_config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb_cache"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "wandb_data"))
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")


def test_wandb_offline_and_tensorboard_together(tmp_path, offline_wandb):
    run_dir = tmp_path / "run"
    settings = {"tensorboard": True, "wandb": {"project": "selfimprove-test", "group": "g", "entity": None}}
    with open_tracker(settings, run_dir, "base-round0", CONFIG) as tracker:
        run = tracker._wandb
        assert run.offline and run.name == "base-round0" and run.group == "g"
        assert dict(run.config)["model"] == {"n_layer": 2}
        tracker.log(0, {"train/loss": 2.0})
        tracker.log(5, {"train/loss": float("inf"), "train/lr": 1e-3})
    runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(runs) == 1 and list(runs[0].glob("*.wandb"))
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))


def test_env_wandb_mode_overrides_config(tmp_path, offline_wandb, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    with open_tracker({"wandb": True}, tmp_path, "r", CONFIG) as tracker:
        assert tracker._wandb.disabled
        tracker.log(0, {"train/loss": 1.0})
    assert not list(tmp_path.glob("wandb/offline-run-*"))


def test_wandb_online_failure_falls_back_to_offline(tmp_path, monkeypatch, caplog):
    wandb = pytest.importorskip("wandb")
    calls = []

    def fake_init(mode, **kwargs):
        calls.append(mode)
        if mode == "online":
            raise wandb.errors.CommError("no network")
        return "offline-run"

    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.setattr(wandb, "init", fake_init)
    from selfimprove.workflow.tracking import _open_wandb

    assert _open_wandb({"mode": "online"}, tmp_path, "r", CONFIG) == "offline-run"
    assert calls == ["online", "offline"]
    assert "W&B online init failed (CommError: no network)" in caplog.text


@pytest.mark.parametrize(
    "settings, module, package",
    [({"tensorboard": True}, "torch.utils.tensorboard", "tensorboard"), ({"wandb": True}, "wandb", "wandb")],
)
def test_missing_backend_package_says_what_to_install(tmp_path, monkeypatch, settings, module, package):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=f"pip install {package}"):
        open_tracker(settings, tmp_path, "r", CONFIG)


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"tensorbord": True}, "tracking.tensorbord"),
        ({"wandb": {"projekt": "x"}}, "tracking.wandb.projekt"),
        ({"wandb": {"mode": "cloud"}}, "tracking.wandb.mode"),
        ({"tensorboard": "yes"}, "tracking.tensorboard"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, settings, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        open_tracker(settings, tmp_path, "r", CONFIG)
    assert not list(tmp_path.iterdir())
