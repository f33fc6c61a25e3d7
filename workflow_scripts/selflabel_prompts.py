"""Rule selflabel_prompts: the prompts round r's models will label."""

from selfimprove.logs import log_to
from selfimprove.data_stages import selflabel_prompts

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    selflabel_prompts(snakemake.input.eval_prompts, snakemake.output[0], **snakemake.params)  # noqa: F821
