"""Rule summarize_noise: every noisy chain's accuracy, with its setting, in one table."""

from selfimprove.logs import log_to
from selfimprove.summary import summarize_noise

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_noise(list(sm.input.evals), list(sm.input.datasets), sm.output[0], **sm.params)
