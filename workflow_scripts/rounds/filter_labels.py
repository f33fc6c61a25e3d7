"""Rule filter_labels: keep the self-generated labels the configured filters accept."""

from selfimprove.rounds.data_stages import filter_labels
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    filter_labels(sm.input.own, optional_input(sm.input.voters), sm.output[0], **sm.params)
