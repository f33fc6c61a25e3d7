"""Training one round: weighted mixture of base and self-labelled data, WSD schedule.

Round 0 trains from scratch; later rounds continue from the previous round's weights and
optimizer state, as the paper does. Loss is next-token cross-entropy on the answer and
the closing [EOS] only; the prompt is context.
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
from .data import write_table
from .model import ModelConfig, Transformer
from .tokenizer import BOS, EOS, PAD, CharTokenizer

log = logging.getLogger(__name__)
IGNORE = -100


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


# --------------------------------------------------------------------------- data → tensors


def encode_examples(tok: CharTokenizer, prompts, targets) -> tuple[torch.Tensor, torch.Tensor]:
    """[BOS] prompt target [EOS], right-padded. Returns inputs (N, L) and labels (N, L).

    labels[i, t] is the token that should follow position t, or IGNORE where no loss is taken
    (prompt positions and padding).
    """
    seqs = [[BOS, *tok.encode(p), *tok.encode(t), EOS] for p, t in zip(prompts, targets)]
    starts = [1 + len(p) for p in prompts]  # index of the first answer token
    width = max(map(len, seqs)) - 1
    inputs = torch.full((len(seqs), width), PAD, dtype=torch.long)
    labels = torch.full((len(seqs), width), IGNORE, dtype=torch.long)
    for i, (s, a) in enumerate(zip(seqs, starts)):
        inputs[i, : len(s) - 1] = torch.tensor(s[:-1])
        labels[i, a - 1 : len(s) - 1] = torch.tensor(s[a:])
    return inputs, labels


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
    levels = df.groupby(groups)["difficulty"].nunique()
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
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]  # norms
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas)


# --------------------------------------------------------------------------- the loop


def train_round(
    dataset: pd.DataFrame,
    cfg: TrainConfig,
    checkpoint_out,
    *,
    init_checkpoint=None,
    model_config: ModelConfig | None = None,
    alphabet: str | None = None,
    device: torch.device = torch.device("cpu"),
    meta: dict | None = None,
) -> pd.DataFrame:
    """Train for cfg.steps and write `checkpoint_out`. Returns the training log.

    Either `init_checkpoint` (continue: weights and optimizer state) or `model_config` and
    `alphabet` (fresh model) must be given.
    """
    torch.manual_seed(cfg.seed)
    if init_checkpoint is not None:
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
    log.info("model: %d parameters, %s", model.num_params(), model.cfg)

    inputs, labels = encode_examples(tok, dataset["prompt"], dataset["target"])
    lengths = (inputs != PAD).sum(1)
    probs = torch.as_tensor(mixture_probabilities(dataset, cfg.newest_fraction))
    gen = torch.Generator().manual_seed(cfg.seed)

    model.train()
    rows, t0, tokens = [], time.perf_counter(), 0
    for step in tqdm(range(cfg.steps), desc="train", mininterval=5):
        idx = torch.multinomial(probs, cfg.batch_size, replacement=True, generator=gen)
        width = int(lengths[idx].max())
        x, y = inputs[idx, :width].to(device), labels[idx, :width].to(device)
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), ignore_index=IGNORE)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite loss {loss.item()} at step {step}; nothing was saved")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        tokens += int(lengths[idx].sum())
        if step % cfg.log_every == 0 or step == cfg.steps - 1:
            elapsed = time.perf_counter() - t0
            rows.append({"step": prior_steps + step, "loss": loss.item(), "lr": lr, "tokens_per_s": tokens / elapsed})

    meta = {**(meta or {}), "total_steps": prior_steps + cfg.steps}
    save_checkpoint(checkpoint_out, model, tok, optimizer, meta)
    return pd.DataFrame(rows)


def train_round_to_files(dataset, cfg, checkpoint_out, log_out, **kwargs) -> None:
    write_table(train_round(dataset, cfg, checkpoint_out, **kwargs), log_out)
