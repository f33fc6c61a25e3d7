"""A self-contained `model.pt`: weights, model config, tokenizer and training state (the optimizer state
inside it, or, in self-improvement rounds, in its own `optimizer.pt`)."""

from __future__ import annotations

from pathlib import Path

import torch

from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.tokenizer import CharTokenizer
from selfimprove.workflow.atomic import atomic_output
from selfimprove.workflow.errors import InputFileError


def save_checkpoint(path, model: Transformer, tokenizer: CharTokenizer, optimizer=None, meta=None):
    """Write atomically: a crash never leaves a half-written file under the final name."""
    path = Path(path)
    state = {
        "model_config": model.cfg.to_dict(),
        "tokenizer": tokenizer.to_dict(),
        "model": model.state_dict(),
        "lora": getattr(model, "lora", None),  # adapter settings, when LoRA adapters were injected
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "meta": meta or {},
    }
    with atomic_output(path) as tmp:
        torch.save(state, tmp)


def save_optimizer_state(path, optimizer) -> None:
    """A round's AdamW state beside its weights-only model.pt: the next round continues it (rules/rounds)."""
    with atomic_output(Path(path)) as tmp:
        torch.save(optimizer.state_dict(), tmp)


def load_optimizer_state(path, device="cpu") -> dict:
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise InputFileError(f"cannot read optimizer state {path}: {err} (delete it and re-run to rebuild it)") from err


def load_checkpoint(path, device="cpu") -> tuple[Transformer, CharTokenizer, dict]:
    """Returns (model, tokenizer, raw state). The raw state holds the optimizer and metadata."""
    try:
        state = torch.load(path, map_location=device, weights_only=True)
        cfg = ModelConfig(**state["model_config"])
    except Exception as err:  # truncated file, wrong format, missing keys
        raise InputFileError(
            f"cannot read checkpoint {path}: {err} (truncated or not a selfimprove checkpoint; delete it and re-run to rebuild it)"
        ) from err
    model = Transformer(cfg)
    if state.get("lora"):
        from selfimprove.interop.lora import add_lora

        add_lora(model, **state["lora"])
    model = model.to(device)
    model.load_state_dict(state["model"])
    return model, CharTokenizer.from_dict(state["tokenizer"]), state
