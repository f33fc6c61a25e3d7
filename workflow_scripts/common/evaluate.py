"""Rules evaluate and sweep_evaluate: exact-match accuracy per difficulty of one model."""

from selfimprove.engine.model_stages import evaluate
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    evaluate(sm.input.model, sm.input.prompts, sm.output[0], job, **params)
