"""Rule rise_evaluate: turn-by-turn accuracy of one model."""

from selfimprove.introspection import stages
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    stages.evaluate(sm.input.model, sm.input.problems, sm.output[0], **sm.params)
