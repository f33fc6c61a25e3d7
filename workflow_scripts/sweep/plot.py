"""Rule plot_sweep: one figure of a sweep (its kind names a function in selfimprove.sweep.plots.SWEEP_FIGURES)."""

from selfimprove.engine.data import read_table
from selfimprove.sweep.plots import SWEEP_FIGURES
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    options = {k: v for k, v in sm.params.figure.items() if k not in ("kind", "title")}
    SWEEP_FIGURES[sm.params.figure["kind"]](
        read_table(sm.input[0], []), sm.output[0], title=sm.params.title, difficulty_label=sm.params.difficulty_label, **options
    )
