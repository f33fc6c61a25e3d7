"""Rule base_dataset: round-0 training data over the easy difficulties."""

from selfimprove.logs import log_to
from selfimprove.data_stages import base_dataset

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    base_dataset(snakemake.input.eval_prompts, snakemake.output[0], **snakemake.params)  # noqa: F821
