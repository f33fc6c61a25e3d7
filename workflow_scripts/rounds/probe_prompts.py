"""Rule probe_prompts: fresh prompts at the difficulties past round r's frontier."""

from selfimprove.rounds.data_stages import probe_prompts
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    previous = optional_input(sm.input.previous)
    probe_prompts(sm.input.eval_prompts, sm.output[0], previous_probe=previous[0] if previous else None, **sm.params)
