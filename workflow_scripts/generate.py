"""Rule generate: the round's model labels the next difficulty's prompts."""

from selfimprove.logs import log_to
from selfimprove.model_stages import generate

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    generate(sm.input.model, sm.input.prompts, sm.output[0], **sm.params)
