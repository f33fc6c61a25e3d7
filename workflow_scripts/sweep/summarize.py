"""Rule summarize_sweep: every variant's and seed's accuracy in one table, with the axis values."""

from selfimprove.sweep.summary import summarize_sweep
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_sweep(list(sm.input.evals), list(sm.input.datasets), sm.output[0], **rule_params(sm))
