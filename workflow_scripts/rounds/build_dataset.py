"""Rule build_dataset: a round's new training examples, the self-labels the round before it accepted."""

from selfimprove.rounds.data_stages import build_dataset
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    build_dataset(sm.input.accepted, sm.output[0])
