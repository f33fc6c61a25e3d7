"""Rule join_arm_summaries: one table of a summary over every arm of a self-improvement sweep."""

from selfimprove.rounds.arms import join_arms
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    join_arms(list(sm.input), sm.params.axes, sm.output[0])
