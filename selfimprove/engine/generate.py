"""Batched generation with a key/value cache.

Prompts are sorted by length and cut into batches, so a batch holds prompts of equal or
nearly equal length; shorter ones are left-padded and masked (the cache knows each row's
padding). The prefix is encoded once; every later step feeds one token per row. A row
stops at [EOS] or at its own token budget, and a batch stops when every row has. The budget
of a prompt comes from the task's length rule (answer length + [EOS]), never from a hidden
answer. On CUDA the forward passes run under bf16 autocast.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from selfimprove.engine.model import KVCache, Transformer
from selfimprove.engine.tokenizer import BOS, EOS, PAD, CharTokenizer


@torch.inference_mode()
def generate_batch(model: Transformer, prompt_ids: torch.Tensor, budgets: torch.Tensor, temperature: float = 0.0, generator=None, pad=None):
    """prompt_ids: (B, T) prompts, row i left-padded by pad[i]; budgets: (B,) new tokens per row.

    Returns (B, <= max budget) new tokens; a row is EOS-filled after it ends.
    """
    B, T = prompt_ids.shape
    max_new = int(budgets.max())
    cache = KVCache(model.cfg, B, T + max_new, prompt_ids.device, next(model.parameters()).dtype, pad)
    logits = model(prompt_ids, cache)[:, -1]
    out = torch.full((B, max_new), EOS, dtype=torch.long, device=prompt_ids.device)
    done = torch.zeros(B, dtype=torch.bool, device=prompt_ids.device)
    for t in range(max_new):
        if temperature > 0:
            probs = torch.softmax(logits.float() / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        else:
            nxt = logits.argmax(-1)
        nxt = nxt.masked_fill(done, EOS)
        out[:, t] = nxt
        done |= (nxt == EOS) | (budgets <= t + 1)
        if bool(done.all()):
            return out[:, : t + 1]
        logits = model(nxt[:, None], cache)[:, -1]
    return out


def check_fits(model: Transformer, rows: list[list[int]], budgets: list[int]) -> None:
    """Every row's live positions ([BOS], prompt, all but the last new token) fit the model's
    position table (NoPE has none)."""
    if model.cfg.pos_encoding == "none":
        return
    for row, budget in zip(rows, budgets):
        if len(row) + budget - 1 > model.cfg.max_seq_len:
            raise ValueError(
                f"a prompt of {len(row)} tokens ([BOS] included) with a budget of {budget} new tokens "
                f"exceeds max_seq_len={model.cfg.max_seq_len} ({model.cfg.pos_encoding} positions)"
            )


def generate(
    model: Transformer,
    tok: CharTokenizer,
    prompts: list[str],
    max_new_tokens: list[int],
    batch_size: int = 256,
    temperature: float = 0.0,
    seed: int = 0,
    progress: bool = True,
) -> tuple[list[str], list[bool]]:
    """Completions of `prompts` (text before [EOS]) and whether each emitted [EOS]."""
    device = next(model.parameters()).device
    model.eval()
    generator = torch.Generator(device=device).manual_seed(seed) if temperature > 0 else None
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    batches = [order[j : j + batch_size] for j in range(0, len(order), batch_size)]
    texts, ended = [""] * len(prompts), [False] * len(prompts)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    for ids in tqdm(batches, desc="generate", mininterval=5, disable=not progress):
        rows = [[BOS, *tok.encode(prompts[i])] for i in ids]
        check_fits(model, rows, [max_new_tokens[i] for i in ids])
        width = max(map(len, rows))
        pad = torch.tensor([width - len(r) for r in rows], device=device)
        x = torch.tensor([[PAD] * (width - len(r)) + r for r in rows], device=device)
        budgets = torch.tensor([max_new_tokens[i] for i in ids], device=device)
        with autocast:
            new = generate_batch(model, x, budgets, temperature, generator, pad)
        for row, i in zip(new.tolist(), ids):
            row = row[: max_new_tokens[i]]
            ended[i] = EOS in row
            texts[i] = tok.decode(row)
    return texts, ended
