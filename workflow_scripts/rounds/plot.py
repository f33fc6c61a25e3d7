"""Rules plot_*: draw one figure (params.figure names it in selfimprove.rounds.plots.FIGURES)."""

from selfimprove.engine.data import read_table
from selfimprove.rounds.plots import FIGURES
from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    options = rule_params(sm)  # title, and xlabel where the figure has one
    figure = FIGURES[options.pop("figure")]
    figure(read_table(sm.input[0], []), sm.output[0], **options)
