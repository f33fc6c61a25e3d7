"""Rule probe_prompts: fresh prompts past the frontier, for the accelerated mode's probe."""

from selfimprove.rounds.data_stages import probe_prompts
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    previous = optional_input(sm.input.get("previous", []))
    probe_prompts(sm.input.eval_prompts, sm.output[0], job, previous_probe=previous[0] if previous else None, **params)
