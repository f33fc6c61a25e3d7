"""Rules generate, vote and their noisy twins: a round's model labels a seed's prompts."""

from selfimprove.rounds.model_stages import generate
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    generate(sm.input.model, sm.input.prompts, sm.output[0], job, **params)
