"""Rule train: one round of training for one seed."""

from selfimprove.logs import log_to
from selfimprove.model_stages import train

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    train(sm.input.dataset, sm.output.model, sm.output.train_log, init=sm.input.init or None, **sm.params)
