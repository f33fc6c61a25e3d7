"""Rule eval_prompts: fresh evaluation prompts at every evaluated difficulty."""

from selfimprove.engine.data_stages import eval_prompts
from selfimprove.workflow.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    eval_prompts(snakemake.output[0], **snakemake.params)  # noqa: F821
