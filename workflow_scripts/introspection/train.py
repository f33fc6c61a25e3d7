"""Rules rise_train_base and rise_finetune: the base model, or one iteration's fine-tuning."""

from pathlib import Path

from selfimprove.engine.model_stages import TrainSettings
from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params, split
from selfimprove.workflow.logs import log_to, optional_input
from selfimprove.workflow.tracking import open_tracker

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    setup, params = split(stages.Setup, rule_params(sm))
    inputs = dict(sm.input.items())
    pretrained = optional_input(inputs.get("pretrained", []))
    run_dir = Path(sm.output.model).parent
    run_name = f"{sm.config['experiment']}/{run_dir.relative_to(Path('results') / sm.config['experiment'])}"
    with open_tracker(sm.config.get("tracking"), run_dir, run_name, rule_params(sm)) as tracker:
        start = {"init": inputs.get("init"), "pretrained": pretrained[0] if pretrained else None}
        stages.train(
            optional_input(sm.input.datasets),
            sm.output.model,
            sm.output.train_log,
            setup,
            TrainSettings(**params),
            **start,
            tracker=tracker,
        )
