"""Rule selflabel_prompts: the prompts round r's model labels."""

from selfimprove.rounds.data_stages import selflabel_prompts
from selfimprove.workflow.job import Job, rule_params
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    job, params = Job.split(rule_params(sm))
    probe = optional_input(sm.input.get("probe", []))  # accelerated mode: the probe decides
    selflabel_prompts(sm.input.eval_prompts, sm.output[0], job, probe_path=probe[0] if probe else None, **params)
