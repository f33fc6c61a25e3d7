"""The model's hyperparameters, importable without torch (the workflow checks configs with it)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

# none: NoPE (order only from the causal mask); rope: rotary; learned: a trained vector per
# absolute position; sinusoidal: the fixed sine/cosine table of the original transformer.
POS_ENCODINGS = ("none", "rope", "learned", "sinusoidal")


@dataclass
class ModelConfig:
    vocab_size: int
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 128
    n_kv_head: int = 0  # 0 = n_head (multi-head); fewer = grouped-query attention (pretrained LLaMAs)
    d_ff: int = 0  # 0 = LLaMA's rule: about 8/3 * d_model, rounded up to a multiple of 32
    pos_encoding: str = "none"  # one of POS_ENCODINGS
    rope_theta: float = 10000.0
    max_seq_len: int = 1024  # length of the position tables (rope, learned, sinusoidal); NoPE has no limit
    norm_eps: float = 1e-6
    # LLaMA-3's frequency rescaling of RoPE, as in a checkpoint's config.json (rope_type "llama3"), or None
    rope_scaling: dict | None = None

    def __post_init__(self):
        if self.pos_encoding not in POS_ENCODINGS:
            raise ValueError(f"pos_encoding must be one of {POS_ENCODINGS}, got {self.pos_encoding!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_head={self.n_head}")
        if not self.d_ff:
            self.d_ff = 32 * math.ceil(8 * self.d_model / 3 / 32)
        if not self.n_kv_head:
            self.n_kv_head = self.n_head
        if self.n_head % self.n_kv_head:
            raise ValueError(f"n_head={self.n_head} is not a multiple of n_kv_head={self.n_kv_head}")
        kind = (self.rope_scaling or {}).get("rope_type", "default")
        if kind not in ("default", "llama3"):
            raise ValueError(f"RoPE scaling {kind!r} is not supported (only LLaMA-3's 'llama3')")

    def to_dict(self) -> dict:
        return asdict(self)
