"""Rule filter_labels: the round's filters decide which self-labels are kept."""

from selfimprove.rounds.data_stages import filter_labels
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    filter_labels(sm.input.own, optional_input(sm.input.voters), sm.output[0], job, **params)
