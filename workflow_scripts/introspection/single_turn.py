"""Rule rise_single_turn: the single-turn control's examples from the same episodes."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    stages.single_turn(sm.input[0], sm.output[0], **rule_params(sm))
