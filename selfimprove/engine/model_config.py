"""The model's hyperparameters, importable without torch (the workflow checks configs with it)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

# none: NoPE (order only from the causal mask); rope: rotary; learned: a trained vector per
# absolute position; sinusoidal: the fixed sine/cosine table of the original transformer.
POS_ENCODINGS = ("none", "rope", "learned", "sinusoidal")
# rmsnorm: LLaMA's (weight only); layernorm: torch's LayerNorm (weight, plus a bias when `bias`).
NORMS = ("rmsnorm", "layernorm")
# pre: x + sublayer(norm(x)) (LLaMA, GPT-2); post: norm(x + sublayer(x)) (the original transformer).
NORM_POSITIONS = ("pre", "post")
# swiglu: down(silu(gate(x)) * up(x)) (LLaMA); gelu: down(gelu(up(x))) (GPT-2).
MLPS = ("swiglu", "gelu")
# The allowed values of each option above, for validation (config/schema.yaml repeats them as enums).
CHOICES = {"pos_encoding": POS_ENCODINGS, "norm": NORMS, "norm_position": NORM_POSITIONS, "mlp": MLPS}


@dataclass
class ModelConfig:
    vocab_size: int
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 128
    n_kv_head: int = 0  # 0 = n_head (multi-head); fewer = grouped-query attention (pretrained LLaMAs)
    # 0 = swiglu: LLaMA's rule, about 8/3 * d_model rounded up to a multiple of 32; gelu: 4 * d_model
    d_ff: int = 0
    pos_encoding: str = "none"  # one of POS_ENCODINGS
    rope_theta: float = 10000.0
    max_seq_len: int = 1024  # length of the position tables (rope, learned, sinusoidal); NoPE has no limit
    norm_eps: float = 1e-6
    # LLaMA-3's frequency rescaling of RoPE, as in a checkpoint's config.json (rope_type "llama3"), or None
    rope_scaling: dict | None = None
    # Architecture options beyond LLaMA (the defaults are LLaMA; only those convert to Hugging Face):
    norm: str = "rmsnorm"  # one of NORMS
    norm_position: str = "pre"  # one of NORM_POSITIONS
    mlp: str = "swiglu"  # one of MLPS
    bias: bool = False  # biases in attention and MLP linears and in LayerNorm (never in lm_head or RMSNorm)

    def __post_init__(self):
        for key, allowed in CHOICES.items():
            if getattr(self, key) not in allowed:
                raise ValueError(f"{key} must be one of {allowed}, got {getattr(self, key)!r}")
        if not isinstance(self.bias, bool):
            raise ValueError(f"bias must be true or false, got {self.bias!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_head={self.n_head}")
        if not self.d_ff:
            self.d_ff = 4 * self.d_model if self.mlp == "gelu" else 32 * math.ceil(8 * self.d_model / 3 / 32)
        if not self.n_kv_head:
            self.n_kv_head = self.n_head
        if self.n_head % self.n_kv_head:
            raise ValueError(f"n_head={self.n_head} is not a multiple of n_kv_head={self.n_kv_head}")
        kind = (self.rope_scaling or {}).get("rope_type", "default")
        if kind not in ("default", "llama3"):
            raise ValueError(f"RoPE scaling {kind!r} is not supported (only LLaMA-3's 'llama3')")

    def to_dict(self) -> dict:
        return asdict(self)
