"""Rule generate: the round's model labels the next difficulty's prompts."""

from selfimprove.rounds.model_stages import generate
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    generate(sm.input.model, sm.input.prompts, sm.output[0], **sm.params)
