"""One optimizer step of a training run: the run's settings (TrainConfig), the learning rate at a step, the
optimizer, the packed loss, and the step itself with its out-of-memory retry in micro-batches."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from selfimprove.engine.model import Transformer
from selfimprove.engine.packing import IGNORE, PackedExamples, Packing

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
    carry_optimizer_state: bool = True  # False: a finished round keeps weights only; the next starts a fresh AdamW


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


def packed_loss(
    model: Transformer, inputs, labels, packing: Packing, num_answer_tokens: int | None = None, token_weights=None
) -> torch.Tensor:
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
            log.warning(
                "out of memory: retrying the step as %d micro-batches of about %d examples", micro_batches, -(-len(idx) // micro_batches)
            )
