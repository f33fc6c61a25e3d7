"""Rules base_dataset and sweep_base_dataset: round-0 training data over the easy difficulties."""

from selfimprove.engine.data_stages import base_dataset
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    valid = optional_input(sm.input.get("valid_prompts", []))  # with train.select_best only
    base_dataset(sm.input.eval_prompts, sm.output[0], job, valid_prompts_path=valid[0] if valid else None, **params)
