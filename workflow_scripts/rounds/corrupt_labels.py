"""Rule corrupt_labels: a noisy copy of the clean chain's accepted labels (the clean file is only read)."""

from selfimprove.rounds.data_stages import corrupt_labels
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    params = dict(sm.params.items())
    corrupt_labels(sm.input[0], sm.output[0], **params.pop("noise"), **params)
