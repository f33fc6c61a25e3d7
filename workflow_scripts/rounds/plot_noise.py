"""Rule plot_noise: final accuracy against the fraction of corrupted labels."""

from selfimprove.engine.data import read_table
from selfimprove.rounds.plots import plot_noise
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    plot_noise(read_table(sm.input.noisy, []), read_table(sm.input.clean, []), sm.output[0], **rule_params(sm))
