"""Rules valid_prompts and sweep_valid_prompts: the validation split of train.select_best."""

from selfimprove.engine.data_stages import valid_prompts
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    valid_prompts(sm.input.eval_prompts, sm.output[0], job, **params)
