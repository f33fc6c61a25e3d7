"""Rule plot_arms: a self-improvement sweep's arms side by side (selfimprove.rounds.arm_plots)."""

from selfimprove.engine.data import read_table
from selfimprove.rounds.arm_plots import plot_arms
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    plot_arms(read_table(sm.input.accuracy, []), read_table(sm.input.selflabels, []), sm.output[0], sm.params.title)
