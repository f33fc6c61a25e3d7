"""Rule build_dataset: last round's training set plus its accepted self-labels."""

from selfimprove.logs import log_to
from selfimprove.data_stages import build_dataset

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    build_dataset(sm.input.previous, sm.input.accepted, sm.output[0])
