"""Optional experiment tracking: TensorBoard event files and/or a Weights & Biases run.

Both backends are off by default. The config's optional ``tracking:`` block turns them on::

    tracking:
      tensorboard: true            # event files under <run_dir>/tensorboard/
      wandb:                       # or `wandb: true` for all the defaults below
        project: selfimprove
        mode: offline              # offline (default) | online | disabled
        entity: null
        group: null
        tags: []

Usage::

    with open_tracker(cfg.get("tracking"), run_dir, run_name, config) as tracker:
        tracker.log(step, {"train/loss": loss, "train/lr": lr})

Decisions:

* With nothing turned on the tracker does nothing and neither tensorboard nor wandb is imported.
* W&B defaults to ``mode: offline``: the run is written under ``<run_dir>/wandb/offline-run-*``
  and never contacts a server (upload it later with ``wandb sync``). An explicitly set
  ``WANDB_MODE`` environment variable overrides the config's mode, so a cluster or a test can
  force ``offline``/``disabled`` (or ``online``) without editing configs. If an online init fails
  (no network, no API key) training goes on with an offline run and a warning.
* ``log`` converts every value with ``float()`` (Python numbers, 0-d tensors, NumPy scalars),
  skips ``None`` (a metric not measured at this step) and logs NaN/inf as they are: both
  backends store them, and a diverging loss is worth seeing.
* A backend whose package is missing raises ImportError saying what to ``pip install``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from selfimprove.workflow.config_check import ConfigError

log = logging.getLogger(__name__)

WANDB_KEYS = {"project", "mode", "entity", "group", "tags"}
WANDB_MODES = ("offline", "online", "disabled")
INSTALL_HINT = "pip install {pkg}  (or pip install 'selfimprove[tracking]' for both backends)"


class Tracker:
    """Logs scalar metrics to the backends it was opened with (none: a no-op). A context manager."""

    def __init__(self, tensorboard=None, wandb_run=None):
        self._tb = tensorboard
        self._wandb = wandb_run

    @property
    def enabled(self) -> bool:
        return self._tb is not None or self._wandb is not None

    def log(self, step: int, metrics: dict[str, float]) -> None:
        if not self.enabled:
            return
        values = {key: float(value) for key, value in metrics.items() if value is not None}
        if self._tb is not None:
            for key, value in values.items():
                self._tb.add_scalar(key, value, global_step=step)
        if self._wandb is not None:
            self._wandb.log(values, step=step)

    def close(self) -> None:
        tb, run = self._tb, self._wandb
        self._tb = self._wandb = None
        if tb is not None:
            tb.close()
        if run is not None:
            run.finish()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # A failed training still finishes its W&B run, marked as failed.
        if exc_type is not None and self._wandb is not None:
            run, self._wandb = self._wandb, None
            run.finish(exit_code=1)
        self.close()


def _check_settings(settings: dict | None) -> tuple[bool, dict | None]:
    """(tensorboard on?, W&B options or None), raising ConfigError naming an unknown or bad key."""
    settings = settings or {}
    if not isinstance(settings, dict):
        raise ConfigError("tracking", f"must be a mapping, got {settings!r}")
    for key in settings:
        if key not in ("tensorboard", "wandb"):
            raise ConfigError(f"tracking.{key}", "unknown key; allowed keys here: tensorboard, wandb")
    tensorboard = settings.get("tensorboard") or False
    if not isinstance(tensorboard, bool):
        raise ConfigError("tracking.tensorboard", f"must be true or false, got {tensorboard!r}")
    wandb = settings.get("wandb")
    if wandb is None or wandb is False:
        return tensorboard, None
    if wandb is True:
        wandb = {}
    if not isinstance(wandb, dict):
        raise ConfigError("tracking.wandb", f"must be true, false or a mapping, got {wandb!r}")
    for key in wandb:
        if key not in WANDB_KEYS:
            raise ConfigError(f"tracking.wandb.{key}", f"unknown key; allowed keys here: {', '.join(sorted(WANDB_KEYS))}")
    mode = wandb.get("mode") or "offline"
    if mode not in WANDB_MODES:
        raise ConfigError("tracking.wandb.mode", f"{mode!r} is not one of {', '.join(WANDB_MODES)}")
    return tensorboard, {**wandb, "mode": mode}


def _open_tensorboard(run_dir: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ImportError(f"tracking.tensorboard needs the tensorboard package: {INSTALL_HINT.format(pkg='tensorboard')}") from err
    return SummaryWriter(log_dir=str(run_dir / "tensorboard"))


def _open_wandb(options: dict, run_dir: Path, run_name: str, config: dict):
    try:
        import wandb
    except ImportError as err:
        raise ImportError(f"tracking.wandb needs the wandb package: {INSTALL_HINT.format(pkg='wandb')}") from err
    mode = os.environ.get("WANDB_MODE") or options["mode"]
    kwargs = {
        "project": options.get("project") or "selfimprove",
        "entity": options.get("entity"),
        "group": options.get("group"),
        "tags": options.get("tags") or None,
        "name": run_name,
        "dir": str(run_dir),
        "config": config,
        "reinit": "create_new",  # this Tracker owns its run and finishes it itself
        # Training output already goes to the job's log; don't let W&B wrap stdout/stderr.
        "settings": wandb.Settings(console="off"),
    }
    try:
        return wandb.init(mode=mode, **kwargs)
    except Exception as err:
        if mode != "online":
            raise
        log.warning("W&B online init failed (%s: %s); logging to an offline run under %s instead", type(err).__name__, err, run_dir)
        return wandb.init(mode="offline", **kwargs)


def open_tracker(settings: dict | None, run_dir, run_name: str, config: dict) -> Tracker:
    """A Tracker for the ``tracking:`` config block `settings` (None or {}: one that does nothing).

    TensorBoard writes under ``run_dir/tensorboard/``; W&B under ``run_dir/wandb/``, as run
    `run_name` with `config` as its config. See the module docstring for the defaults.
    """
    tensorboard, wandb_options = _check_settings(settings)
    if not tensorboard and wandb_options is None:
        return Tracker()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    writer = _open_tensorboard(run_dir) if tensorboard else None
    try:
        run = _open_wandb(wandb_options, run_dir, run_name, config) if wandb_options is not None else None
    except BaseException:
        if writer is not None:
            writer.close()
        raise
    return Tracker(writer, run)
