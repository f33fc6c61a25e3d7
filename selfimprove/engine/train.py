"""Training one round: weighted mixture of base and self-labelled data, WSD schedule.

Round 0 trains from scratch; later rounds continue from the previous round's weights and
optimizer state, as the paper does. Loss is next-token cross-entropy on the answer and
the closing [EOS] only; the prompt is context.

A step's `batch_size` examples (the paper's unit of a step) are packed into one token
stream without padding (packing.py); the loss averages over their answer tokens, exactly as
if they were run one by one. If a GPU runs out of memory, the step is retried split into
more micro-batches whose gradients add up to the same step.

A round survives interruption (resume.py): it snapshots its whole state every
`checkpoint_every` steps and when Slurm signals a time limit or preemption (SIGTERM,
SIGUSR1); re-running it continues from the snapshot to the same final weights. On CUDA the step runs under bf16 autocast with fused AdamW and
compiled feed-forward blocks; on CPU it stays fp32 and eager, which measured fastest there
(benchmarks/README.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import torch
from tqdm.auto import tqdm

from selfimprove.engine import resume
from selfimprove.engine.checkpoint import load_checkpoint, load_optimizer_state, save_checkpoint, save_optimizer_state
from selfimprove.engine.data import DIFFICULTY, write_table
from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.packing import PackedExamples
from selfimprove.engine.sampling import MixtureSampler, data_groups, mixture_probabilities
from selfimprove.engine.step import TrainConfig, lr_at, make_optimizer, prepare_for_device, train_step_within_memory
from selfimprove.engine.tokenizer import CharTokenizer
from selfimprove.workflow.errors import TrainingDiverged, TrainingInterrupted

if TYPE_CHECKING:
    from selfimprove.workflow.tracking import Tracker

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- sampling and schedule


# --------------------------------------------------------------------------- the loop


@dataclass
class Start:
    """Where a training run starts: its model, tokenizer and optimizer, and the steps already behind them."""

    model: Transformer
    tok: CharTokenizer
    optimizer: torch.optim.AdamW
    prior_steps: int = 0
    meta: dict = field(default_factory=dict)


def start_run(cfg: TrainConfig, device, *, init=(None, None), pretrained=None, lora=None, model_config=None, alphabet=None) -> Start:
    """Continue `init` (a checkpoint, and the file of its optimizer state when it is not inside it), or start
    from `pretrained` (a local Hugging Face checkpoint directory, with `alphabet` and optional `lora`), or a
    fresh `model_config`."""
    init_checkpoint, init_optimizer = init
    if pretrained is not None:
        return start_pretrained(cfg, device, pretrained, alphabet, lora)
    if init_checkpoint is not None:
        model, tok, state = load_checkpoint(init_checkpoint, device)
        optimizer = make_optimizer(model, cfg)
        if cfg.carry_optimizer_state:
            optimizer_state = load_optimizer_state(init_optimizer, device) if init_optimizer else state.get("optimizer")
            if optimizer_state:
                optimizer.load_state_dict(optimizer_state)
        return Start(model, tok, optimizer, prior_steps=state["meta"].get("total_steps", 0))
    tok = CharTokenizer(alphabet)
    model = Transformer(ModelConfig(**{**asdict(model_config), "vocab_size": tok.vocab_size})).to(device)
    return Start(model, tok, make_optimizer(model, cfg))


def start_pretrained(cfg: TrainConfig, device, pretrained, alphabet: str, lora: dict | None) -> Start:
    from selfimprove.interop.pretrained import load_pretrained

    model, tok, provenance = load_pretrained(pretrained, alphabet)
    if lora:
        from selfimprove.interop.lora import add_lora

        add_lora(model, lora["r"], lora["alpha"])
    model = model.to(device)
    log.info("round-0 model from %s (vocabulary map %s)", pretrained, provenance["vocabulary_map"])
    return Start(model, tok, make_optimizer(model, cfg), meta=provenance)


class TrainingRun:
    """One run's loop over its steps: the data it samples, the log it keeps, the best validated weights,
    and the snapshots that let an interrupted run continue to the same final weights."""

    def __init__(self, dataset: pd.DataFrame, cfg: TrainConfig, start: Start, checkpoint_out, device, prompt_masks, origin: dict):
        self.cfg, self.start, self.checkpoint_out, self.device = cfg, start, checkpoint_out, device
        self.model, self.tok, self.optimizer = start.model, start.tok, start.optimizer
        # A `weight` column (RISE's exp(reward / tau)) makes the loss reward-weighted: see PackedExamples.
        weights = dataset["weight"].to_numpy() if "weight" in dataset else None
        self.examples = PackedExamples(self.tok, dataset["prompt"], dataset["target"], prompt_masks, weights)
        probs = torch.as_tensor(mixture_probabilities(dataset, cfg.newest_fraction, cfg.mixture_weights, cfg.newest_round))
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.sampler = MixtureSampler(probs, data_groups(dataset), cfg.sampling, self.gen, cfg.seed)
        self.snapshot_file = resume.snapshot_path(checkpoint_out)
        settings = {
            "train": {k: v for k, v in asdict(cfg).items() if k not in ("log_every", "checkpoint_every")},
            "masked": prompt_masks is not None,
            "model": self.model.cfg.to_dict(),
            "pretrained": str(origin["pretrained"]),
            "lora": origin["lora"],
            "alphabet": self.tok.to_dict(),
        }
        columns = ["prompt", "target", "source", "round", *DIFFICULTY, *(["weight"] if weights is not None else [])]
        self.fingerprint = resume.fingerprint(settings, dataset[columns], origin["init_checkpoint"])
        self.rows, self.first_step, self.tokens = [], 0, 0
        self.best = {"accuracy": -1.0, "step": None, "model": None}  # the best validated weights so far

    def resume(self) -> None:
        """An interrupted run of this very round left a snapshot: continue from it."""
        snapshot = resume.load_snapshot(self.snapshot_file, self.fingerprint, self.device)
        if snapshot is None:
            return
        self.model.load_state_dict(snapshot["model"])
        self.optimizer.load_state_dict(snapshot["optimizer"])
        self.gen.set_state(snapshot["sampler_rng"])
        self.sampler.cursors = snapshot.get("sampler_cursors", self.sampler.cursors)
        torch.set_rng_state(snapshot["torch_rng"])
        self.rows, self.first_step = snapshot["log"], snapshot["step"]
        self.best = snapshot.get("best", self.best)
        log.info("resuming from %s at step %d of %d", self.snapshot_file, self.first_step, self.cfg.steps)

    def save_snapshot(self, next_step: int, loss: torch.Tensor) -> None:
        if not torch.isfinite(loss):
            raise TrainingDiverged(f"non-finite loss {loss.item()} before step {next_step}; nothing was saved")
        state = {
            "fingerprint": self.fingerprint,
            "step": next_step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }
        rngs = {"sampler_rng": self.gen.get_state(), "sampler_cursors": list(self.sampler.cursors), "torch_rng": torch.get_rng_state()}
        resume.save_snapshot(self.snapshot_file, {**state, **rngs, "log": self.rows, "best": self.best})

    def select(self, done: int, validate) -> float:
        """Validate the current weights; remember them if they are the best so far."""
        self.model.eval()
        accuracy = float(validate(self.model, self.tok))
        self.model.train()
        step = self.start.prior_steps + done
        if accuracy > self.best["accuracy"]:
            self.best.update(accuracy=accuracy, step=step, model={k: v.detach().clone() for k, v in self.model.state_dict().items()})
        log.info("step %d: validation accuracy %.4f (best %.4f at step %d)", step, accuracy, self.best["accuracy"], self.best["step"])
        self.rows.append({"step": step, "valid_accuracy": accuracy})
        return accuracy

    def record(self, step: int, loss: torch.Tensor, lr: float, elapsed: float, tracker) -> None:
        if not torch.isfinite(loss):  # checked at log steps only: each check waits for the device
            raise TrainingDiverged(
                f"non-finite loss {loss.item()} at step {step}; nothing was written for this round "
                "(a lower learning rate, train.base_round.lr / train.later_rounds.lr, usually helps)"
            )
        row = {"step": self.start.prior_steps + step, "loss": loss.item(), "lr": lr, "tokens_per_s": self.tokens / elapsed}
        self.rows.append(row)
        if tracker is not None:
            tracker.log(row["step"], {"train/loss": row["loss"], "train/lr": lr, "train/tokens_per_s": row["tokens_per_s"]})

    def loop(self, validate, tracker) -> None:
        cfg, selecting = self.cfg, validate is not None and self.cfg.select_every > 0
        prepare_for_device(self.model)
        self.model.train()
        micro_batches, t0 = 1, time.perf_counter()
        with resume.StopSignals() as stop:
            for step in tqdm(range(self.first_step, cfg.steps), desc="train", mininterval=5, initial=self.first_step, total=cfg.steps):
                idx = self.sampler.draw(cfg.batch_size)
                lr = lr_at(step, cfg)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                loss, micro_batches = train_step_within_memory(
                    self.model, self.optimizer, self.examples, idx, cfg.grad_clip, self.device, micro_batches
                )
                self.tokens += self.examples.num_tokens(idx)
                if step % cfg.log_every == 0 or step == cfg.steps - 1:
                    self.record(step, loss, lr, time.perf_counter() - t0, tracker)
                done = step + 1
                if selecting and (done % cfg.select_every == 0 or done == cfg.steps):
                    accuracy = self.select(done, validate)
                    if tracker is not None:
                        tracker.log(self.start.prior_steps + done, {"valid/accuracy": accuracy})
                self.maybe_stop(stop, done, loss)

    def maybe_stop(self, stop, done: int, loss: torch.Tensor) -> None:
        """Snapshot on a stop signal (then stop) and every checkpoint_every steps."""
        if stop.received:
            self.save_snapshot(done, loss)
            raise TrainingInterrupted(
                f"{stop.received} received at step {done} of {self.cfg.steps}; state saved to {self.snapshot_file}; "
                "running the workflow again resumes from there"
            )
        if self.cfg.checkpoint_every and done % self.cfg.checkpoint_every == 0 and done < self.cfg.steps:
            self.save_snapshot(done, loss)

    def finish(self, meta: dict, selecting: bool, optimizer_out=None) -> pd.DataFrame:
        """Write the checkpoint (the best validated weights when selecting) and drop the snapshot. With
        `optimizer_out`, the optimizer state goes there and the checkpoint holds the weights alone."""
        meta = {**meta, **self.start.meta, "total_steps": self.start.prior_steps + self.cfg.steps}
        if selecting:
            self.model.load_state_dict(self.best["model"])
            meta.update(best_step=self.best["step"], best_valid_accuracy=self.best["accuracy"])
            log.info("keeping the weights of step %d (validation accuracy %.4f)", self.best["step"], self.best["accuracy"])
        inside = self.cfg.carry_optimizer_state and optimizer_out is None  # the state is 2/3 of an AdamW checkpoint
        save_checkpoint(self.checkpoint_out, self.model, self.tok, self.optimizer if inside else None, meta)
        if optimizer_out is not None:
            save_optimizer_state(optimizer_out, self.optimizer)
        Path(self.snapshot_file).unlink(missing_ok=True)
        return pd.DataFrame(self.rows)


def train_round(
    dataset: pd.DataFrame,
    cfg: TrainConfig,
    checkpoint_out,
    *,
    init_checkpoint=None,
    init_optimizer=None,
    optimizer_out=None,
    pretrained=None,
    lora: dict | None = None,
    model_config: ModelConfig | None = None,
    alphabet: str | None = None,
    device: torch.device = torch.device("cpu"),
    meta: dict | None = None,
    prompt_masks=None,
    validate: Callable[[Transformer, CharTokenizer], float] | None = None,
    tracker: Tracker | None = None,
) -> pd.DataFrame:
    """Train for cfg.steps and write `checkpoint_out`. Returns the training log.

    Where it starts: see start_run. `prompt_masks`: prompt characters labelled too (see PackedExamples).
    `validate(model, tok)` -> a validation accuracy: with `cfg.select_every`, measured every
    that many steps and at the end, and the checkpoint written is the best one measured
    (ties keep the earlier). `tracker` receives the training log as it grows.
    """
    torch.manual_seed(cfg.seed)
    init = (init_checkpoint, init_optimizer)
    start = start_run(cfg, device, init=init, pretrained=pretrained, lora=lora, model_config=model_config, alphabet=alphabet)
    trainable = sum(p.numel() for p in start.model.parameters() if p.requires_grad)
    log.info("model: %d parameters (%d trained), %s", start.model.num_params(), trainable, start.model.cfg)
    origin = {"init_checkpoint": init_checkpoint, "pretrained": pretrained, "lora": lora}
    run = TrainingRun(dataset, cfg, start, checkpoint_out, device, prompt_masks, origin)
    run.resume()
    run.loop(validate, tracker)
    return run.finish(meta or {}, selecting=validate is not None and cfg.select_every > 0, optimizer_out=optimizer_out)


def train_round_to_files(dataset, cfg, checkpoint_out, log_out, **kwargs) -> None:
    write_table(train_round(dataset, cfg, checkpoint_out, **kwargs), log_out)
