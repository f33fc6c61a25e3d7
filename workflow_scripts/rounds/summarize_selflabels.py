"""Rule summarize_selflabels: how many self-labels each round kept, and how many were right."""

from selfimprove.rounds.summary import summarize_selflabels
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summarize_selflabels(list(sm.input.accepted), sm.output[0])
