"""Batched generation with a key/value cache.

Prompts are grouped by token length, so a batch needs no padding at all; each batch
decodes until every row has emitted [EOS] or reached its token budget. The budget of a
prompt comes from the task's length rule (answer length + [EOS]), never from a hidden
answer.
"""

from __future__ import annotations

from collections import defaultdict

import torch
from tqdm.auto import tqdm

from .model import KVCache, Transformer
from .tokenizer import BOS, EOS, CharTokenizer


@torch.no_grad()
def generate_batch(model: Transformer, prompt_ids: torch.Tensor, max_new: int, temperature: float = 0.0, generator=None):
    """prompt_ids: (B, T) equal-length prompts -> (B, <=max_new) new tokens; rows end at EOS."""
    B, T = prompt_ids.shape
    cache = KVCache(model.cfg, B, T + max_new, prompt_ids.device, next(model.parameters()).dtype)
    logits = model(prompt_ids, cache)[:, -1]
    out = torch.full((B, max_new), EOS, dtype=torch.long, device=prompt_ids.device)
    done = torch.zeros(B, dtype=torch.bool, device=prompt_ids.device)
    for t in range(max_new):
        if temperature > 0:
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        else:
            nxt = logits.argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, EOS), nxt)
        out[:, t] = nxt
        done |= nxt == EOS
        if bool(done.all()) or t == max_new - 1:
            return out[:, : t + 1]
        logits = model(nxt[:, None], cache)[:, -1]
    return out


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
    by_length = defaultdict(list)
    for i, p in enumerate(prompts):
        by_length[len(p)].append(i)
    batches = [ids[j : j + batch_size] for ids in by_length.values() for j in range(0, len(ids), batch_size)]
    texts, ended = [""] * len(prompts), [False] * len(prompts)
    for ids in tqdm(batches, desc="generate", mininterval=5, disable=not progress):
        x = torch.tensor([[BOS, *tok.encode(prompts[i])] for i in ids], device=device)
        new = generate_batch(model, x, max(max_new_tokens[i] for i in ids), temperature, generator)
        for row, i in zip(new.tolist(), ids):
            row = row[: max_new_tokens[i]]
            ended[i] = EOS in row
            texts[i] = tok.decode(row)
    return texts, ended
