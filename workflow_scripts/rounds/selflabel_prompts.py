"""Rule selflabel_prompts: the prompts round r's models will label."""

from selfimprove.rounds.data_stages import selflabel_prompts
from selfimprove.workflow.logs import log_to, optional_input

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    probe = optional_input(sm.input.probe)  # accelerated mode only
    selflabel_prompts(sm.input.eval_prompts, sm.output[0], probe_path=probe[0] if probe else None, **sm.params)
