"""Rule summarize: every round's and seed's accuracy in one table."""

from selfimprove.rounds.summary import summarize_accuracy
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_accuracy(list(sm.input.evals), sm.output[0], **rule_params(sm))
