"""Rules train and sweep_train: one round of training for one seed."""

from pathlib import Path

from selfimprove.engine.model_stages import train
from selfimprove.workflow.logs import log_to, optional_input
from selfimprove.workflow.tracking import open_tracker

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    inputs = dict(sm.input.items())
    pretrained = optional_input(inputs.get("pretrained", []))  # round 0 of a pretrained start
    init = optional_input(inputs.get("init", []))
    valid = optional_input(inputs.get("valid", []))  # train.select_best's validation split
    # How often to snapshot, and what tracks the run, change no result: they are read from the
    # config, not params, so changing them re-runs nothing.
    snapshots = {"checkpoint_every": sm.config["train"]["checkpoint_every"]} if "checkpoint_every" in sm.config["train"] else {}
    run_dir = Path(sm.output.model).parent
    run_name = f"{sm.config['experiment']}/{run_dir.relative_to(Path('results') / sm.config['experiment'])}"
    with open_tracker(sm.config.get("tracking"), run_dir, run_name, dict(sm.params.items())) as tracker:
        train(
            sm.input.dataset,
            sm.output.model,
            sm.output.train_log,
            init=init[0] if init else None,
            pretrained=pretrained[0] if pretrained else None,
            valid=valid[0] if valid else None,
            **sm.params,
            snapshots=snapshots,
            tracker=tracker,
        )
