"""Rule rise_plot: one figure of the summary."""

from selfimprove.introspection import plots
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    plots.FIGURES[sm.wildcards.rise_figure](*sm.input, sm.output[0], title=sm.params["title"])
