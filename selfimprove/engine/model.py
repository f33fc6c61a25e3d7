"""A small decoder-only transformer of the LLaMA family.

By default: RMSNorm (pre-norm and final), SwiGLU feed-forward, multi-head causal attention, no
biases, untied embeddings. Positional encoding: none by default (NoPE, as in the
self-improvement paper), rotary (RoPE), or absolute positions added to the token embeddings
(learned, or the fixed sinusoidal table), the axis length-generalization studies vary. A key/value cache makes generation cost one
token per step.

Options for GPT-style variants (ModelConfig): `norm` LayerNorm instead of RMSNorm, `norm_position`
post (x = norm(x + sublayer(x)); the final norm is kept, so a post-norm model ends with two norms in
a row), `mlp` GELU instead of SwiGLU, and `bias` in every linear but the output layer and in
LayerNorm. The reference copy-task re-implementation is layernorm + pre + swiglu, bias off unless its --bias flag
(its reported 10.63 M parameters at 6 layers, 6 heads, width 384 are this model's with bias off). Module and parameter
names do not depend on the options beyond the MLP's (gate_up/down for SwiGLU, up/down for GELU)
and the added biases, so default checkpoints are unchanged.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from selfimprove.engine.attention import packed_attention
from selfimprove.engine.model_config import MLPS, NORM_POSITIONS, NORMS, POS_ENCODINGS, ModelConfig  # noqa: F401 (re-exported)
from selfimprove.engine.packing import Packing

# --------------------------------------------------------------------------- building blocks


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def make_norm(cfg: ModelConfig) -> nn.Module:
    """The configured normalization over d_model: RMSNorm (never a bias) or LayerNorm."""
    if cfg.norm == "layernorm":
        return nn.LayerNorm(cfg.d_model, eps=cfg.norm_eps, elementwise_affine=True, bias=cfg.bias)
    return RMSNorm(cfg.d_model, cfg.norm_eps)


def llama3_frequencies(inv_freq: torch.Tensor, scaling: dict) -> torch.Tensor:
    """LLaMA-3's RoPE rescaling: long wavelengths slowed by `factor`, short ones kept, a smooth
    blend in between (the published Llama 3.1 recipe)."""
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    context = scaling["original_max_position_embeddings"]
    wavelength = 2 * math.pi / inv_freq
    blend = ((context / wavelength - low) / (high - low)).clamp(0, 1)  # 0 = long wavelengths, 1 = short
    return (1 - blend) * inv_freq / factor + blend * inv_freq


def rope_tables(cfg: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    head_dim = cfg.d_model // cfg.n_head
    inv_freq = 1.0 / cfg.rope_theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    if (cfg.rope_scaling or {}).get("rope_type") == "llama3":
        inv_freq = llama3_frequencies(inv_freq, cfg.rope_scaling)
    angles = torch.outer(torch.arange(cfg.max_seq_len).float(), inv_freq)  # (T, hd/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, hd), the half-split layout of LLaMA
    return angles.cos(), angles.sin()


def sinusoidal_table(max_len: int, dim: int) -> torch.Tensor:
    """(max_len, dim) fixed absolute encodings: sines in even, cosines in odd channels."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = 10000.0 ** (-torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.zeros(max_len, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return table


def apply_rope(x, cos, sin):
    """x: (B, H, T, hd) with cos/sin (T, hd) or (B, 1, T, hd); or x: (N, H, hd) with (N, 1, hd)."""
    x1, x2 = x.chunk(2, dim=-1)
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)  # keep bf16 activations bf16 under autocast
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class KVCache:
    """Preallocated keys and values of every layer for a batch being generated.

    Rows may hold prompts of different lengths, left-padded: `pad[i]` leading positions of
    row i are padding, which no query attends to and which RoPE positions skip.
    """

    def __init__(self, cfg: ModelConfig, batch: int, max_len: int, device, dtype, pad: torch.Tensor | None = None):
        shape = (batch, cfg.n_head, max_len, cfg.d_model // cfg.n_head)
        self.k = [torch.empty(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)]
        self.v = [torch.empty(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)]
        self.pos = 0  # number of positions already filled
        self.pad = pad if pad is not None and bool(pad.any()) else None
        # (B, 1, 1, max_len): which cached positions hold real tokens
        self.key_valid = None if self.pad is None else (torch.arange(max_len, device=device) >= self.pad[:, None])[:, None, None]

    def attn_mask(self, T: int):
        """Boolean mask for T new queries at positions pos..pos+T-1, or None for plain causal."""
        if self.pad is None:
            return None
        keys = self.key_valid[..., : self.pos + T]
        if T == 1:
            return keys
        causal = torch.ones(T, T, dtype=torch.bool, device=keys.device).tril()
        # A padding query sees only itself: its output is never used, but must not be NaN.
        return (causal & keys) | torch.eye(T, dtype=torch.bool, device=keys.device)

    def positions(self, T: int, limit: int) -> torch.Tensor:
        """(B, T) position of each new token within its own sequence, at most limit - 1: a row that
        has ended keeps being fed while longer rows generate, and its outputs are discarded (the
        caller checks that every row fits while it is live: generate.check_fits)."""
        steps = torch.arange(self.pos, self.pos + T, device=self.pad.device)
        return (steps[None] - self.pad[:, None]).clamp(0, limit - 1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_head, self.n_kv_head, self.head_dim = cfg.n_head, cfg.n_kv_head, cfg.d_model // cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, (cfg.n_head + 2 * cfg.n_kv_head) * self.head_dim, bias=cfg.bias)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=cfg.bias)

    def split_heads(self, qkv):
        """(..., (H + 2 Hkv) * hd) -> q, k, v of shape (..., H, hd); grouped k/v heads are repeated."""
        sizes = [self.n_head * self.head_dim, self.n_kv_head * self.head_dim, self.n_kv_head * self.head_dim]
        q, k, v = (t.unflatten(-1, (-1, self.head_dim)) for t in qkv.split(sizes, dim=-1))
        if self.n_kv_head != self.n_head:
            group = self.n_head // self.n_kv_head
            k, v = k.repeat_interleave(group, dim=-2), v.repeat_interleave(group, dim=-2)
        return q, k, v

    def forward(self, x, rope=None, cache: KVCache | None = None, layer: int = 0, packing: Packing | None = None):
        B, T, C = x.shape
        if packing is not None:  # one stream (1, N, C) of examples that each attend only to themselves
            q, k, v = self.split_heads(self.qkv(x[0]))  # (N, H, hd) each
            if rope is not None:  # cos/sin: (N, 1, hd)
                q, k = apply_rope(q, *rope), apply_rope(k, *rope)
            return self.proj(packed_attention(q, k, v, packing).reshape(1, T, C))
        q, k, v = (t.transpose(1, 2) for t in self.split_heads(self.qkv(x)))
        if rope is not None:  # (B, H, T, hd) each
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            start = cache.pos
            if T > 1 and start > 0:
                raise ValueError("multi-token steps are only supported on an empty cache")
            cache.k[layer][:, :, start : start + T] = k
            cache.v[layer][:, :, start : start + T] = v
            k, v = cache.k[layer][:, :, : start + T], cache.v[layer][:, :, : start + T]
            mask = cache.attn_mask(T)
            if mask is None:  # prefill of an empty cache is plain causal; one new token sees everything
                y = F.scaled_dot_product_attention(q, k, v, is_causal=(T > 1))
            else:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class SwiGLU(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_up = nn.Linear(cfg.d_model, 2 * cfg.d_ff, bias=cfg.bias)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.bias)

    def forward(self, x):
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class GeluMLP(nn.Module):
    """GPT-2's feed-forward: d_model -> d_ff, exact GELU, d_ff -> d_model."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.bias)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.bias)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    """Pre-norm: x + sublayer(norm(x)); post-norm: norm(x + sublayer(x)). The norms keep the
    names attn_norm / mlp_norm either way (train.prepare_for_device compiles mlp and mlp_norm)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.post_norm = cfg.norm_position == "post"
        self.attn_norm = make_norm(cfg)
        self.attn = Attention(cfg)
        self.mlp_norm = make_norm(cfg)
        self.mlp = GeluMLP(cfg) if cfg.mlp == "gelu" else SwiGLU(cfg)

    def forward(self, x, rope, cache, layer, packing=None):
        if self.post_norm:
            x = self.attn_norm(x + self.attn(x, rope, cache, layer, packing))
            return self.mlp_norm(x + self.mlp(x))
        x = x + self.attn(self.attn_norm(x), rope, cache, layer, packing)
        return x + self.mlp(self.mlp_norm(x))


# --------------------------------------------------------------------------- the model


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm = make_norm(cfg)  # kept with post-norm too (see the module docstring)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.pos_encoding == "rope":
            cos, sin = rope_tables(cfg)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        elif cfg.pos_encoding == "learned":
            self.pos_embed = nn.Embedding(cfg.max_seq_len, cfg.d_model)
        elif cfg.pos_encoding == "sinusoidal":
            self.register_buffer("pos_table", sinusoidal_table(cfg.max_seq_len, cfg.d_model), persistent=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None, packing: Packing | None = None) -> torch.Tensor:
        """idx: (B, T) token ids -> logits (B, T, vocab). See `hidden` for cache and packing."""
        return self.lm_head(self.hidden(idx, cache, packing))

    def positions(self, T: int, cache: KVCache | None, packing: Packing | None) -> torch.Tensor:
        """Position of each new token within its own sequence: (N,) for a packed stream,
        (B, T) for left-padded cached rows, else (T,)."""
        if packing is not None:
            longest, pos = packing.max_len, packing.positions
        elif cache is not None and cache.pad is not None:
            return cache.positions(T, self.cfg.max_seq_len)
        else:
            start = cache.pos if cache is not None else 0
            longest, pos = start + T, torch.arange(start, start + T, device=self.embed.weight.device)
        if longest > self.cfg.max_seq_len:
            raise ValueError(
                f"a sequence of {longest} tokens exceeds max_seq_len={self.cfg.max_seq_len} ({self.cfg.pos_encoding} positions)"
            )
        return pos

    def hidden(self, idx: torch.Tensor, cache: KVCache | None = None, packing: Packing | None = None) -> torch.Tensor:
        """Final normed hidden states (B, T, d_model).

        With `cache`, idx continues the cached sequences. With `packing`, idx is one packed
        stream (1, N) of independent examples (see packing.py).
        """
        if cache is not None and packing is not None:
            raise ValueError("a packed stream cannot use a KV cache")
        T = idx.shape[1]
        pos = None if self.cfg.pos_encoding == "none" else self.positions(T, cache, packing)
        rope = None
        if self.cfg.pos_encoding == "rope":  # cos/sin per token: (N, 1, hd) packed, (B, 1, T, hd) padded, (T, hd)
            cos, sin = self.rope_cos[pos], self.rope_sin[pos]
            rope = (cos[:, None], sin[:, None]) if packing is not None or pos.dim() == 2 else (cos, sin)
        x = self.embed(idx)
        if self.cfg.pos_encoding == "learned":
            x = x + self.pos_embed(pos)
        elif self.cfg.pos_encoding == "sinusoidal":
            x = x + self.pos_table[pos].to(x.dtype)
        for i, block in enumerate(self.blocks):
            x = block(x, rope, cache, i, packing)
        if cache is not None:
            cache.pos += T
        return self.norm(x)
