"""Rule corrupt_labels: a noisy copy of a round's accepted labels, for one label-noise chain."""

from selfimprove.rounds.data_stages import corrupt_labels
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    corrupt_labels(sm.input[0], sm.output[0], job, **params)
