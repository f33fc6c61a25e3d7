"""Checkpoint probe: accelerated mode's decision of the difficulties the next round labels."""

from selfimprove.rounds.model_stages import probe
from selfimprove.workflow.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    probe(snakemake.input.models, snakemake.input.prompts, snakemake.output[0], **snakemake.params)  # noqa: F821
