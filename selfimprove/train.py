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
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import resume
from .checkpoint import load_checkpoint, save_checkpoint
from .data import DIFFICULTY, write_table
from .errors import TrainingDiverged, TrainingInterrupted
from .model import ModelConfig, Transformer
from .packing import IGNORE, PackedExamples, Packing
from .tokenizer import CharTokenizer

if TYPE_CHECKING:
    from .tracking import Tracker

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    steps: int
    batch_size: int = 64
    lr: float = 1e-3
    warmup_steps: int = 0
    decay_steps: int = 0  # cosine decay over the last `decay_steps` steps of the round
    min_lr_ratio: float = 0.01
    weight_decay: float = 0.01
    betas: tuple = (0.9, 0.98)
    eps: float = 1e-8  # AdamW epsilon (the paper's code: 1e-12)
    grad_clip: float = 1.0
    newest_fraction: float = 0.5  # share of each batch drawn from the newest self-labelled round
    mixture_weights: str = "levels"  # how the rest is split: see mixture_probabilities
    sampling: str = "replacement"  # replacement: rows drawn independently; epochs: see MixtureSampler
    newest_round: int | None = None  # the self-labelled round this run's data ends with (None: the latest present)
    seed: int = 0
    log_every: int = 25
    checkpoint_every: int = 250  # steps between resumable snapshots (0: only on SIGTERM/SIGUSR1)
    select_every: int = 0  # with a validation function: validate every this many steps and keep the best


# --------------------------------------------------------------------------- sampling and schedule


def mixture_probabilities(df: pd.DataFrame, newest_fraction: float, weights: str = "levels", newest_round: int | None = None) -> np.ndarray:
    """Per-row sampling probability: the paper's mixture.

    The newest self-labelled round (`newest_round`, else the latest present) gets `newest_fraction`
    of the mass; the rest is shared by the base data and older self-labelled rounds in proportion
    to their weight (`group_weights`). With no self-labelled data, rows are uniform. A newest round
    whose filters kept nothing gets no mass, and a warning says so: its share is never handed to
    an older round alone, but spread over all of them by weight.
    """
    self_rows = df["source"] == "self"
    groups = data_groups(df)
    if not self_rows.any():
        if newest_round is not None:
            log.warning("round %d's filters kept no self-label: this run trains on the base data alone", newest_round)
        return np.full(len(df), 1.0 / len(df))
    newest = "self" + str(df.loc[self_rows, "round"].max() if newest_round is None else newest_round)
    weight = group_weights(df, groups, weights)
    sizes = pd.Series(groups).value_counts()
    older = weight.drop(newest, errors="ignore")  # base data and older self-labelled rounds
    if newest not in weight:
        log.warning("%s's filters kept no self-label: the older data shares the whole batch by weight", newest.replace("self", "round "))
        mass = older / older.sum()
    elif older.empty:
        mass = pd.Series({newest: 1.0})
    else:
        mass = older / older.sum() * (1 - newest_fraction)
        mass[newest] = newest_fraction
    return (mass[groups] / sizes[groups]).to_numpy(copy=True)  # writable: torch.as_tensor warns on a read-only view


def data_groups(df: pd.DataFrame) -> np.ndarray:
    """Each row's group in the mixture: "base", or "self<r>" for round r's self-labels."""
    return np.where(df["source"] == "self", "self" + df["round"].astype(str), "base")


class MixtureSampler:
    """Draws a step's rows from the mixture `probs` (one probability per row).

    replacement: every row drawn independently. epochs (the paper's code, which streams each data
    set in order and interleaves them): each example's group is drawn by the group's share, and a
    group hands out its rows in one fixed shuffled order, round and round, so every row of a group
    is seen once before any is seen again. `cursors` (how far each group has read) is the state a
    resumed round needs besides `gen`.
    """

    def __init__(self, probs: torch.Tensor, groups: np.ndarray, sampling: str, gen: torch.Generator, seed: int):
        if sampling not in ("replacement", "epochs"):
            raise ValueError(f"unknown train.sampling {sampling!r}; use replacement or epochs")
        self.probs, self.sampling, self.gen = probs, sampling, gen
        self.orders, self.cursors = [], []
        if sampling == "epochs":
            order = torch.Generator().manual_seed(seed)
            members = [np.flatnonzero(groups == name) for name in sorted(set(groups))]
            self.orders = [m[torch.randperm(len(m), generator=order).numpy()] for m in members]
            self.shares = torch.stack([probs[torch.as_tensor(m)].sum() for m in members])
            self.cursors = [0] * len(members)

    def draw(self, batch_size: int) -> np.ndarray:
        if self.sampling == "replacement":
            return torch.multinomial(self.probs, batch_size, replacement=True, generator=self.gen).numpy()
        picks = torch.multinomial(self.shares, batch_size, replacement=True, generator=self.gen).numpy()
        idx = np.empty(batch_size, dtype=np.int64)
        for g, order in enumerate(self.orders):
            slots = np.flatnonzero(picks == g)
            idx[slots] = order[(self.cursors[g] + np.arange(len(slots))) % len(order)]
            self.cursors[g] += len(slots)
        return idx


def group_weights(df: pd.DataFrame, groups: np.ndarray, weights: str) -> pd.Series:
    """Each data group's weight in the older share of the mixture.

    cells: the distinct difficulty cells it covers. levels (the paper's code): the base data weighs
    the distinct values of the first difficulty axis (multiplication 1..5 x 1..5 weighs 5, a maze of
    30 nodes x 1..9 hops weighs 1); a self-labelled round the difficulties it labelled when the task
    has one axis, and 1 when it has two.
    """
    cells = df[DIFFICULTY].assign(group=groups).drop_duplicates()
    if weights == "cells":
        return cells.groupby("group").size()
    if weights != "levels":
        raise ValueError(f"unknown mixture weights {weights!r}; use levels or cells")
    two_axes = (df["difficulty2"] != 0).any()
    levels = cells.drop_duplicates(["group", "difficulty"]).groupby("group").size()
    if two_axes:
        levels[levels.index != "base"] = 1
    return levels


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Warmup-stable-decay within a round: linear warmup, flat, cosine down to min_lr_ratio."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    decay_start = cfg.steps - cfg.decay_steps
    if step < decay_start:
        return cfg.lr
    progress = (step - decay_start) / max(1, cfg.decay_steps)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def make_optimizer(model: Transformer, cfg: TrainConfig) -> torch.optim.AdamW:
    trainable = [p for p in model.parameters() if p.requires_grad]  # LoRA: the adapters only
    decay = [p for p in trainable if p.dim() >= 2]
    no_decay = [p for p in trainable if p.dim() < 2]  # norms
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    on_cuda = next(model.parameters()).is_cuda
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.eps, fused=on_cuda or None)


def packed_loss(model: Transformer, inputs, labels, packing: Packing, num_answer_tokens: int | None = None, token_weights=None) -> torch.Tensor:
    """Cross-entropy over the answer tokens of a packed stream: their mean, or their sum
    divided by `num_answer_tokens` (a micro-batch's share of a whole step's mean). With
    `token_weights` (PackedExamples.pack_weighted), the weighted sum divided by `num_answer_tokens`,
    which is then the step's number of examples.

    Only positions with a label reach the output layer, so a large vocabulary (pretrained
    starts) costs nothing on prompt tokens.
    """
    hidden = model.hidden(inputs, packing=packing)
    keep = labels != IGNORE
    logits = model.lm_head(hidden[keep])
    if token_weights is not None:
        per_token = F.cross_entropy(logits.float(), labels[keep], reduction="none")
        return (per_token * token_weights[keep]).sum() / num_answer_tokens
    if num_answer_tokens is None:
        return F.cross_entropy(logits.float(), labels[keep])
    return F.cross_entropy(logits.float(), labels[keep], reduction="sum") / num_answer_tokens


def prepare_for_device(model: Transformer) -> None:
    """GPU-only speed-ups that change no result beyond bf16 rounding: compiled MLP blocks.

    Attention stays eager: its packed layout changes every step.
    """
    if next(model.parameters()).is_cuda:
        for block in model.blocks:  # Module.compile keeps parameter names, so checkpoints are unchanged
            block.mlp.compile(dynamic=True)
            block.mlp_norm.compile(dynamic=True)


def train_step(model, optimizer, examples: PackedExamples, idx, grad_clip: float, device=None, micro_batches: int = 1) -> torch.Tensor:
    """One optimizer step on examples `idx`, packed; returns the step's mean answer-token loss.

    With `micro_batches` > 1 the examples are run in that many packed pieces whose
    gradients accumulate to the whole step's (same effective batch, less memory).
    """
    optimizer.zero_grad(set_to_none=True)
    idx = np.asarray(idx)
    total = examples.normalizer(idx)  # every piece's loss is a share of the whole step's mean
    loss = 0.0
    for part in np.array_split(idx, micro_batches) if micro_batches > 1 else [idx]:
        inputs, labels, packing, weights = examples.pack_weighted(part, device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=inputs.is_cuda):
            part_loss = packed_loss(model, inputs, labels, packing, total, weights)
        part_loss.backward()
        loss = loss + part_loss.detach()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return loss


def train_step_within_memory(model, optimizer, examples, idx, grad_clip, device, micro_batches: int) -> tuple[torch.Tensor, int]:
    """train_step, retried with twice the micro-batches whenever the GPU runs out of memory.

    Returns the loss and the micro-batch count that fitted (keep it for later steps).
    """
    while True:
        try:
            return train_step(model, optimizer, examples, idx, grad_clip, device, micro_batches), micro_batches
        except torch.OutOfMemoryError:
            if micro_batches >= len(idx):
                raise
            optimizer.zero_grad(set_to_none=True)
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            micro_batches = min(2 * micro_batches, len(idx))
            log.warning("out of memory: retrying the step as %d micro-batches of about %d examples", micro_batches, -(-len(idx) // micro_batches))


# --------------------------------------------------------------------------- the loop


def train_round(
    dataset: pd.DataFrame,
    cfg: TrainConfig,
    checkpoint_out,
    *,
    init_checkpoint=None,
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

    Give `init_checkpoint` (continue: weights and optimizer state), or `pretrained` (a local
    Hugging Face checkpoint directory, with `alphabet`), or `model_config` and `alphabet`
    (a fresh model). `prompt_masks`: prompt characters labelled too (see PackedExamples).
    `validate(model, tok)` -> a validation accuracy: with `cfg.select_every`, measured every
    that many steps and at the end, and the checkpoint written is the best one measured
    (ties keep the earlier). `tracker` receives the training log as it grows.
    """
    torch.manual_seed(cfg.seed)
    if pretrained is not None:
        from .pretrained import load_pretrained

        model, tok, provenance = load_pretrained(pretrained, alphabet)
        if lora:
            from .lora import add_lora

            add_lora(model, lora["r"], lora["alpha"])
        model = model.to(device)
        optimizer = make_optimizer(model, cfg)
        prior_steps = 0
        meta = {**(meta or {}), **provenance}
        log.info("round-0 model from %s (vocabulary map %s)", pretrained, provenance["vocabulary_map"])
    elif init_checkpoint is not None:
        model, tok, state = load_checkpoint(init_checkpoint, device)
        optimizer = make_optimizer(model, cfg)
        if state.get("optimizer"):
            optimizer.load_state_dict(state["optimizer"])
        prior_steps = state["meta"].get("total_steps", 0)
    else:
        tok = CharTokenizer(alphabet)
        model = Transformer(ModelConfig(**{**asdict(model_config), "vocab_size": tok.vocab_size})).to(device)
        optimizer = make_optimizer(model, cfg)
        prior_steps = 0
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("model: %d parameters (%d trained), %s", model.num_params(), trainable, model.cfg)

    # A `weight` column (RISE's exp(reward / tau)) makes the loss reward-weighted: see PackedExamples.
    weights = dataset["weight"].to_numpy() if "weight" in dataset else None
    examples = PackedExamples(tok, dataset["prompt"], dataset["target"], prompt_masks, weights)
    probs = torch.as_tensor(mixture_probabilities(dataset, cfg.newest_fraction, cfg.mixture_weights, cfg.newest_round))
    gen = torch.Generator().manual_seed(cfg.seed)
    sampler = MixtureSampler(probs, data_groups(dataset), cfg.sampling, gen, cfg.seed)

    # An interrupted run of this very round left a snapshot: continue from it.
    snapshot_file = resume.snapshot_path(checkpoint_out)
    settings = {"train": {k: v for k, v in asdict(cfg).items() if k not in ("log_every", "checkpoint_every")}, "masked": prompt_masks is not None,
                "model": model.cfg.to_dict(), "pretrained": str(pretrained), "lora": lora, "alphabet": tok.to_dict()}
    fingerprint = resume.fingerprint(settings, dataset[["prompt", "target", "source", "round", *DIFFICULTY, *(["weight"] if weights is not None else [])]], init_checkpoint)
    rows, first_step, tokens = [], 0, 0
    selecting = validate is not None and cfg.select_every > 0
    best = {"accuracy": -1.0, "step": None, "model": None}  # the best validated weights so far
    snapshot = resume.load_snapshot(snapshot_file, fingerprint, device)
    if snapshot is not None:
        model.load_state_dict(snapshot["model"])
        optimizer.load_state_dict(snapshot["optimizer"])
        gen.set_state(snapshot["sampler_rng"])
        sampler.cursors = snapshot.get("sampler_cursors", sampler.cursors)
        torch.set_rng_state(snapshot["torch_rng"])
        rows, first_step = snapshot["log"], snapshot["step"]
        best = snapshot.get("best", best)
        log.info("resuming from %s at step %d of %d", snapshot_file, first_step, cfg.steps)

    def select(done: int) -> float:
        """Validate the current weights; remember them if they are the best so far."""
        model.eval()
        accuracy = float(validate(model, tok))
        model.train()
        if accuracy > best["accuracy"]:
            best.update(accuracy=accuracy, step=prior_steps + done, model={k: v.detach().clone() for k, v in model.state_dict().items()})
        log.info("step %d: validation accuracy %.4f (best %.4f at step %d)", prior_steps + done, accuracy, best["accuracy"], best["step"])
        return accuracy

    def save_snapshot(next_step: int, loss: torch.Tensor) -> None:
        if not torch.isfinite(loss):
            raise TrainingDiverged(f"non-finite loss {loss.item()} before step {next_step}; nothing was saved")
        resume.save_snapshot(snapshot_file, {
            "fingerprint": fingerprint, "step": next_step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "sampler_rng": gen.get_state(), "sampler_cursors": list(sampler.cursors), "torch_rng": torch.get_rng_state(), "log": rows, "best": best,
        })

    prepare_for_device(model)
    model.train()
    micro_batches, t0 = 1, time.perf_counter()
    with resume.StopSignals() as stop:
        for step in tqdm(range(first_step, cfg.steps), desc="train", mininterval=5, initial=first_step, total=cfg.steps):
            idx = sampler.draw(cfg.batch_size)
            lr = lr_at(step, cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss, micro_batches = train_step_within_memory(model, optimizer, examples, idx, cfg.grad_clip, device, micro_batches)
            tokens += examples.num_tokens(idx)
            if step % cfg.log_every == 0 or step == cfg.steps - 1:
                if not torch.isfinite(loss):  # checked at log steps only: each check waits for the device
                    raise TrainingDiverged(f"non-finite loss {loss.item()} at step {step}; nothing was written for this round (a lower learning rate, train.base_round.lr / train.later_rounds.lr, usually helps)")
                elapsed = time.perf_counter() - t0
                rows.append({"step": prior_steps + step, "loss": loss.item(), "lr": lr, "tokens_per_s": tokens / elapsed})
                if tracker is not None:
                    tracker.log(prior_steps + step, {"train/loss": rows[-1]["loss"], "train/lr": lr, "train/tokens_per_s": rows[-1]["tokens_per_s"]})
            done = step + 1
            if selecting and (done % cfg.select_every == 0 or done == cfg.steps):
                accuracy = select(done)
                rows.append({"step": prior_steps + done, "valid_accuracy": accuracy})
                if tracker is not None:
                    tracker.log(prior_steps + done, {"valid/accuracy": accuracy})
            if stop.received:
                save_snapshot(done, loss)
                raise TrainingInterrupted(f"{stop.received} received at step {done} of {cfg.steps}; state saved to {snapshot_file}; running the workflow again resumes from there")
            if cfg.checkpoint_every and done % cfg.checkpoint_every == 0 and done < cfg.steps:
                save_snapshot(done, loss)

    meta = {**(meta or {}), "total_steps": prior_steps + cfg.steps}
    if selecting:
        model.load_state_dict(best["model"])
        meta.update(best_step=best["step"], best_valid_accuracy=best["accuracy"])
        log.info("keeping the weights of step %d (validation accuracy %.4f)", best["step"], best["accuracy"])
    save_checkpoint(checkpoint_out, model, tok, optimizer, meta)
    Path(snapshot_file).unlink(missing_ok=True)
    return pd.DataFrame(rows)


def train_round_to_files(dataset, cfg, checkpoint_out, log_out, **kwargs) -> None:
    write_table(train_round(dataset, cfg, checkpoint_out, **kwargs), log_out)
