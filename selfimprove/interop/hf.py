"""Our Transformer as a Hugging Face `LlamaForCausalLM`, and back.

The two compute the same function when configured alike (tests/test_hf.py checks the logits):
our fused `qkv` and `gate_up` matrices are LLaMA's q/k/v and gate/up projections stacked,
and our rotary layout is LLaMA's half-split one, so weights copy across without permutation.
NoPE has no LLaMA switch; the paper's code gets it by making the rotation the identity, and
`to_llama` does the same by zeroing the rotary frequencies. Absolute positions and the non-LLaMA
architecture options (LayerNorm, post-norm, GELU MLP, biases) have no LLaMA counterpart and are refused.

`transformers` is imported lazily: it is an optional extra (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import torch

from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.tokenizer import BOS, EOS, PAD


def check_llama_compatible(cfg: ModelConfig) -> None:
    """Raise ValueError unless `cfg` describes a model LLaMA can express."""
    if cfg.pos_encoding not in ("none", "rope"):
        raise ValueError(f"LLaMA has no {cfg.pos_encoding!r} absolute positions; only 'rope' and 'none' (NoPE) models convert")
    llama = {"norm": "rmsnorm", "norm_position": "pre", "mlp": "swiglu", "bias": False}
    differ = [f"{key}={getattr(cfg, key)!r}" for key, value in llama.items() if getattr(cfg, key) != value]
    if differ:
        raise ValueError(f"LLaMA has no {', '.join(differ)}; only models with the LLaMA defaults {llama} convert")


def llama_config(cfg: ModelConfig):
    check_llama_compatible(cfg)
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.d_ff,
        num_hidden_layers=cfg.n_layer,
        num_attention_heads=cfg.n_head,
        num_key_value_heads=cfg.n_kv_head,
        rms_norm_eps=cfg.norm_eps,
        rope_theta=cfg.rope_theta,
        rope_scaling=cfg.rope_scaling,
        max_position_embeddings=cfg.max_seq_len,
        tie_word_embeddings=False,
        attention_bias=False,
        mlp_bias=False,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
    )


def _stacked(cfg: ModelConfig) -> dict[str, tuple[str, ...]]:
    """Our parameter name -> the LLaMA names stacked (in order, along dim 0) to form it."""
    names = {"embed.weight": ("model.embed_tokens.weight",), "norm.weight": ("model.norm.weight",), "lm_head.weight": ("lm_head.weight",)}
    for i in range(cfg.n_layer):
        ours, theirs = f"blocks.{i}.", f"model.layers.{i}."
        names[ours + "attn_norm.weight"] = (theirs + "input_layernorm.weight",)
        names[ours + "attn.qkv.weight"] = tuple(theirs + f"self_attn.{p}_proj.weight" for p in "qkv")
        names[ours + "attn.proj.weight"] = (theirs + "self_attn.o_proj.weight",)
        names[ours + "mlp_norm.weight"] = (theirs + "post_attention_layernorm.weight",)
        names[ours + "mlp.gate_up.weight"] = (theirs + "mlp.gate_proj.weight", theirs + "mlp.up_proj.weight")
        names[ours + "mlp.down.weight"] = (theirs + "mlp.down_proj.weight",)
    return names


@torch.no_grad()
def to_llama(model: Transformer, attn_implementation: str = "sdpa"):
    """A `LlamaForCausalLM` computing the same logits as `model`."""
    cfg = model.cfg
    check_llama_compatible(cfg)
    from transformers import LlamaForCausalLM

    hf = LlamaForCausalLM._from_config(llama_config(cfg), attn_implementation=attn_implementation)
    ours, theirs = model.state_dict(), hf.state_dict()
    for name, parts in _stacked(cfg).items():
        for part, chunk in zip(parts, ours[name].split([theirs[p].shape[0] for p in parts], dim=0)):
            theirs[part].copy_(chunk)
    if cfg.pos_encoding == "none":
        hf.model.rotary_emb.inv_freq.zero_()  # rotation by angle 0 at every position: NoPE
        hf.model.rotary_emb.original_inv_freq = hf.model.rotary_emb.inv_freq.clone()
    return hf.to(next(model.parameters()).device)


@torch.no_grad()
def from_llama(hf, pos_encoding: str = "rope") -> Transformer:
    """Our Transformer with the weights of a (plain multi-head) `LlamaForCausalLM`."""
    cfg = model_config_of(hf.config, pos_encoding)
    model = Transformer(cfg)
    theirs = hf.state_dict()
    if "lm_head.weight" not in theirs:  # tied embeddings
        theirs["lm_head.weight"] = theirs["model.embed_tokens.weight"]
    state = {name: torch.cat([theirs[p] for p in parts]) for name, parts in _stacked(cfg).items()}
    model.load_state_dict(state)
    return model


def model_config_of(c, pos_encoding: str = "rope") -> ModelConfig:
    """Our ModelConfig for a transformers LlamaConfig."""
    if getattr(c, "model_type", "llama") != "llama":
        raise ValueError(f"only LLaMA-architecture checkpoints can be imported, this one is {c.model_type!r}")
    if getattr(c, "attention_bias", False) or getattr(c, "mlp_bias", False):
        raise ValueError("checkpoints with attention or MLP biases are not supported")
    rope = dict(getattr(c, "rope_parameters", None) or {})
    theta = getattr(c, "rope_theta", None) or rope.get("rope_theta", 10000.0)
    scaling = getattr(c, "rope_scaling", None) or (rope if rope.get("rope_type", "default") != "default" else None)
    if scaling is not None:
        scaling = {
            k: v
            for k, v in scaling.items()
            if k in ("rope_type", "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")
        }
        scaling["rope_type"] = scaling.get("rope_type") or dict(getattr(c, "rope_scaling", None) or {}).get("type", "default")
        if scaling["rope_type"] == "default":
            scaling = None
    return ModelConfig(
        vocab_size=c.vocab_size,
        n_layer=c.num_hidden_layers,
        n_head=c.num_attention_heads,
        n_kv_head=c.num_key_value_heads,
        d_model=c.hidden_size,
        d_ff=c.intermediate_size,
        pos_encoding=pos_encoding,
        rope_theta=float(theta),
        max_seq_len=c.max_position_embeddings,
        norm_eps=c.rms_norm_eps,
        rope_scaling=scaling,
    )
