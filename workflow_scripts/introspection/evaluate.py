"""Rule rise_evaluate: turn-by-turn accuracy of one model under every protocol."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params, split, take
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    setup, params = split(stages.Setup, rule_params(sm))
    protocols = take(stages.Protocols, params)
    stages.evaluate(sm.input.model, sm.input.problems, sm.output[0], setup, protocols, **params)
