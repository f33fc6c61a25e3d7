"""Checkpoint probe: every seed's model on the probe prompts decides what the round labels."""

from selfimprove.rounds.model_stages import probe
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    probe(list(sm.input.models), sm.input.prompts, sm.output[0], job, **params)
