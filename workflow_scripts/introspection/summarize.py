"""Rule rise_summarize: every seed, arm and iteration in the summary tables."""

from selfimprove.introspection import summary
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    summary.summarize(list(sm.input), sm.params["evaluations"], *sm.output)
