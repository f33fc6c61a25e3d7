"""Rule build_dataset: last round's training set plus its accepted self-labels."""

from selfimprove.rounds.data_stages import build_dataset
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    build_dataset(sm.input.previous, sm.input.accepted, sm.output[0])
