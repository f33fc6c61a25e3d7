"""Rule rise_eval_problems: the problems every model is evaluated on."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    stages.eval_problems(sm.output[0], **rule_params(sm))
