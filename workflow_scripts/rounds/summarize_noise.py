"""Rule summarize_noise: every noisy chain's accuracy, with its setting, in one table."""

from selfimprove.rounds.summary import summarize_noise
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_noise(list(sm.input.evals), sm.output[0], **rule_params(sm))
