"""Rules eval_prompts and sweep_eval_prompts: fresh evaluation prompts at every evaluated difficulty."""

from selfimprove.engine.data_stages import eval_prompts
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    eval_prompts(sm.output[0], job, **params)
