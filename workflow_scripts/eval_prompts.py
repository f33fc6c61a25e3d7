"""Rule eval_prompts: fresh evaluation prompts at every evaluated difficulty."""

from selfimprove.logs import log_to
from selfimprove.data_stages import eval_prompts

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    eval_prompts(snakemake.output[0], **snakemake.params)  # noqa: F821
