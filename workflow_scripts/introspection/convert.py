"""Rule rise_convert: episodes into fine-tuning examples by the convert criterion."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params, split
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    conversion, params = split(stages.Conversion, rule_params(sm))
    stages.convert(sm.input[0], sm.output[0], conversion, **params)
