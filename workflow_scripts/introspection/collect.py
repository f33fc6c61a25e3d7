"""Rule rise_collect: multi-turn episodes of a model on fresh problems."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params, split, take
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    setup, params = split(stages.Setup, rule_params(sm))
    collection = take(stages.Collection, params)
    stages.collect(sm.input.model, sm.input.eval, sm.output[0], setup, collection, **params)
