"""Rules train and sweep_train (and the noisy chains' noisy_train): one round of training for one seed."""

from pathlib import Path

from selfimprove.engine.model_stages import TrainInputs, TrainSettings, train
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to, optional_input
from selfimprove.workflow.tracking import open_tracker

sm = snakemake  # noqa: F821 (injected by Snakemake)


def single(name):
    """An input that may be absent (an empty list): its one path, or None."""
    files = optional_input(sm.input.get(name, []))
    return files[0] if files else None


with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    inputs = TrainInputs(
        optional_input(sm.input.dataset),
        init=single("init"),
        init_optimizer=single("init_optimizer"),
        pretrained=single("pretrained"),
        valid=single("valid"),
    )
    # How often to snapshot, and what tracks the run, change no result: they are read from the
    # config, not params, so changing them re-runs nothing.
    snapshots = {"checkpoint_every": sm.config["train"]["checkpoint_every"]} if "checkpoint_every" in sm.config["train"] else {}
    run_dir = Path(sm.output.model).parent
    run_name = f"{sm.config['experiment']}/{run_dir.relative_to(Path('results') / sm.config['experiment'])}"
    with open_tracker(sm.config.get("tracking"), run_dir, run_name, rule_params(sm)) as tracker:
        optimizer_out = sm.output.get("optimizer")  # a round's optimizer state in its own file (rules/rounds/paths.smk)
        settings = TrainSettings(**params)
        train(
            inputs, sm.output.model, sm.output.train_log, job, settings, optimizer_out=optimizer_out, snapshots=snapshots, tracker=tracker
        )
