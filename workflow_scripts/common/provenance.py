"""Rule provenance: the config, code commit and library versions behind this results folder."""

from selfimprove.workflow.job import rule_params
from selfimprove.workflow.logs import log_to
from selfimprove.workflow.provenance import write_provenance

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    write_provenance(sm.output[0], **rule_params(sm))
