"""Rule check_claim: the verdict on the experiment's claim (selfimprove.claims), as JSON; logged in words."""

import logging

from selfimprove.claims.check import check, write_verdict
from selfimprove.workflow.logs import log_to

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    verdict = check(sm.params.results, sm.params.claim)
    logging.getLogger(__name__).info("\n".join(verdict.lines()))
    write_verdict(verdict, sm.params.results, sm.output[0])
