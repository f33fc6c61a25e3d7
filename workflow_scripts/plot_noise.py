"""Rule plot_noise: final accuracy against the fraction of corrupted labels."""

from selfimprove.data import read_table
from selfimprove.logs import log_to
from selfimprove.plots import plot_noise

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    plot_noise(read_table(sm.input.noisy, []), read_table(sm.input.clean, []), sm.output[0], **sm.params)
