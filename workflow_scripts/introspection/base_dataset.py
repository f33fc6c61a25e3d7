"""Rule rise_base_dataset: the base model's single-turn training set."""

from selfimprove.introspection import stages
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    stages.base_dataset(sm.input.eval, sm.output[0], **rule_params(sm))
