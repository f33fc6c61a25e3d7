"""Rules plot_*: draw one figure (params.figure names it in selfimprove.plots.FIGURES)."""

from selfimprove.data import read_table
from selfimprove.logs import log_to
from selfimprove.plots import FIGURES

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    options = dict(sm.params.items())  # title, and xlabel where the figure has one
    figure = FIGURES[options.pop("figure")]
    figure(read_table(sm.input[0], []), sm.output[0], **options)
