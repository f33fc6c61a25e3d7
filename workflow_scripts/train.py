"""Rule train: one round of training for one seed."""

from selfimprove.logs import log_to, optional_input
from selfimprove.model_stages import train

sm = snakemake  # noqa: F821 (injected by Snakemake)
with log_to(sm.log[0]):
    pretrained = optional_input(dict(sm.input.items()).get("pretrained", []))  # round 0 of a pretrained start
    init = optional_input(sm.input.init)
    # How often to snapshot changes no result, so it is read from the config, not a param (no re-run).
    snapshots = {"checkpoint_every": sm.config["train"]["checkpoint_every"]} if "checkpoint_every" in sm.config["train"] else {}
    train(sm.input.dataset, sm.output.model, sm.output.train_log, init=init[0] if init else None,
          pretrained=pretrained[0] if pretrained else None, **sm.params, snapshots=snapshots)
