"""Every rule of rules/introspection.smk: the rule's name picks its stage (selfimprove.introspection.stages)."""

from pathlib import Path

from selfimprove.introspection import plots, stages
from selfimprove.logs import log_to, optional_input
from selfimprove.tracking import open_tracker

sm = snakemake  # noqa: F821 (injected by Snakemake)
p = dict(sm.params.items())


def train():
    """The base model (rise_train_base) or one iteration's fine-tuning (rise_finetune)."""
    inputs = dict(sm.input.items())
    pretrained = optional_input(inputs.get("pretrained", []))
    run_dir = Path(sm.output.model).parent
    run_name = f"{sm.config['experiment']}/{run_dir.relative_to(Path('results') / sm.config['experiment'])}"
    with open_tracker(sm.config.get("tracking"), run_dir, run_name, p) as tracker:
        stages.train(optional_input(sm.input.datasets), sm.output.model, sm.output.train_log, init=inputs.get("init"),
                     pretrained=pretrained[0] if pretrained else None, tracker=tracker, **p)


STAGES = {
    "rise_eval_problems": lambda: stages.eval_problems(sm.output[0], **p),
    "rise_base_dataset": lambda: stages.base_dataset(sm.input.eval, sm.output[0], **p),
    "rise_train_base": train,
    "rise_finetune": train,
    "rise_collect": lambda: stages.collect(sm.input.model, sm.input.eval, sm.output[0], **p),
    "rise_convert": lambda: stages.convert(sm.input[0], sm.output[0], **p),
    "rise_single_turn": lambda: stages.single_turn(sm.input[0], sm.output[0], **p),
    "rise_evaluate": lambda: stages.evaluate(sm.input.model, sm.input.problems, sm.output[0], **p),
    "rise_summarize": lambda: stages.summarize(list(sm.input), p["evaluations"], *sm.output),
    "rise_plot": lambda: plots.FIGURES[sm.wildcards.rise_figure](*sm.input, sm.output[0], title=p["title"]),
}

with log_to(sm.log[0]):
    STAGES[sm.rule]()
