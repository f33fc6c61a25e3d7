"""Training one round: weighted mixture of base and self-labelled data, WSD schedule.

Round 0 trains from scratch; later rounds continue from the previous round's weights and
optimizer state, as the paper does. Loss is next-token cross-entropy on the answer and
the closing [EOS] only; the prompt is context.

A step's `batch_size` examples (the paper's unit of a step) are packed into one token
stream without padding (packing.py); the loss averages over their answer tokens, exactly as
if they were run one by one. On CUDA the step runs under bf16 autocast with fused AdamW and
compiled feed-forward blocks; on CPU it stays fp32 and eager, which measured fastest there
(benchmarks/README.md).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .checkpoint import load_checkpoint, save_checkpoint
from .data import DIFFICULTY, write_table
from .model import ModelConfig, Transformer
from .packing import IGNORE, PackedExamples, Packing
from .tokenizer import CharTokenizer

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
    grad_clip: float = 1.0
    newest_fraction: float = 0.5  # share of each batch drawn from the newest self-labelled round
    seed: int = 0
    log_every: int = 25


# --------------------------------------------------------------------------- sampling and schedule


def mixture_probabilities(df: pd.DataFrame, newest_fraction: float) -> np.ndarray:
    """Per-row sampling probability: the paper's mixture.

    The newest self-labelled round gets `newest_fraction` of the mass; the rest is shared by
    the base data and older self-labelled rounds in proportion to how many difficulty levels
    each covers. With no self-labelled data, rows are uniform.
    """
    self_rows = df["source"] == "self"
    groups = np.where(self_rows, "self" + df["round"].astype(str), "base")
    if not self_rows.any():
        return np.full(len(df), 1.0 / len(df))
    newest = "self" + str(df.loc[self_rows, "round"].max())
    levels = df[DIFFICULTY].assign(group=groups).drop_duplicates().groupby("group").size()
    sizes = pd.Series(groups).value_counts()
    older = levels.drop(newest)  # base data and older self-labelled rounds
    if older.empty:
        mass = pd.Series({newest: 1.0})
    else:
        mass = older / older.sum() * (1 - newest_fraction)
        mass[newest] = newest_fraction
    return (mass[groups] / sizes[groups]).to_numpy()


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
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, fused=on_cuda or None)


def packed_loss(model: Transformer, inputs, labels, packing: Packing) -> torch.Tensor:
    """Mean cross-entropy over the answer tokens of a packed stream.

    Only positions with a label reach the output layer, so a large vocabulary (pretrained
    starts) costs nothing on prompt tokens.
    """
    hidden = model.hidden(inputs, packing=packing)
    keep = labels != IGNORE
    logits = model.lm_head(hidden[keep])
    return F.cross_entropy(logits.float(), labels[keep])


def prepare_for_device(model: Transformer) -> None:
    """GPU-only speed-ups that change no result beyond bf16 rounding: compiled MLP blocks.

    Attention stays eager: its packed layout changes every step.
    """
    if next(model.parameters()).is_cuda:
        for block in model.blocks:  # Module.compile keeps parameter names, so checkpoints are unchanged
            block.mlp.compile(dynamic=True)
            block.mlp_norm.compile(dynamic=True)


def train_step(model, optimizer, batch, grad_clip: float) -> torch.Tensor:
    """One optimizer step on a packed batch (inputs, labels, packing); returns the loss."""
    inputs, labels, packing = batch
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=inputs.is_cuda)
    with autocast:
        loss = packed_loss(model, inputs, labels, packing)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return loss


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
) -> pd.DataFrame:
    """Train for cfg.steps and write `checkpoint_out`. Returns the training log.

    Give `init_checkpoint` (continue: weights and optimizer state), or `pretrained` (a local
    Hugging Face checkpoint directory, with `alphabet`), or `model_config` and `alphabet`
    (a fresh model).
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

    examples = PackedExamples(tok, dataset["prompt"], dataset["target"])
    probs = torch.as_tensor(mixture_probabilities(dataset, cfg.newest_fraction))
    gen = torch.Generator().manual_seed(cfg.seed)

    prepare_for_device(model)
    model.train()
    rows, t0, tokens = [], time.perf_counter(), 0
    for step in tqdm(range(cfg.steps), desc="train", mininterval=5):
        idx = torch.multinomial(probs, cfg.batch_size, replacement=True, generator=gen).numpy()
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = train_step(model, optimizer, examples.pack(idx, device), cfg.grad_clip)
        tokens += examples.num_tokens(idx)
        if step % cfg.log_every == 0 or step == cfg.steps - 1:
            if not torch.isfinite(loss):  # checked at log steps only: each check waits for the device
                raise FloatingPointError(f"non-finite loss {loss.item()} at step {step}; nothing was saved")
            elapsed = time.perf_counter() - t0
            rows.append({"step": prior_steps + step, "loss": loss.item(), "lr": lr, "tokens_per_s": tokens / elapsed})

    meta = {**(meta or {}), "total_steps": prior_steps + cfg.steps}
    save_checkpoint(checkpoint_out, model, tok, optimizer, meta)
    return pd.DataFrame(rows)


def train_round_to_files(dataset, cfg, checkpoint_out, log_out, **kwargs) -> None:
    write_table(train_round(dataset, cfg, checkpoint_out, **kwargs), log_out)
