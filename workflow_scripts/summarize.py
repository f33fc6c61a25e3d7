"""Rule summarize: every round's and seed's accuracy in one table."""

from selfimprove.logs import log_to
from selfimprove.summary import summarize_accuracy

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_accuracy(list(sm.input.evals), list(sm.input.datasets), sm.output[0], **sm.params)
