"""Rule tiny_random_llama: a small random Hugging Face LLaMA checkpoint (nothing is downloaded)."""

from selfimprove.interop.pretrained import make_tiny_llama
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    make_tiny_llama(sm.output[0], sm.params.chars)
