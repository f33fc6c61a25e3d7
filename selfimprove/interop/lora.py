"""LoRA adapters (through `peft`) on our Transformer, for pretrained starts (paper Sec. 7.3).

`add_lora` injects low-rank adapters into every attention and MLP projection in place and
freezes everything else (embeddings, output layer and norms included, as the paper does); the
model stays a `Transformer`, so training, generation and checkpoints work unchanged. The
checkpoint records the adapter settings and `load_checkpoint` re-injects them.
"""

from __future__ import annotations

TARGETS = ["qkv", "proj", "gate_up", "down"]


def add_lora(model, r: int, alpha: float):
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError as err:
        raise ImportError("model.lora needs the `peft` package: pip install -e '.[pretrained]'") from err
    inject_adapter_in_model(LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, bias="none", target_modules=TARGETS), model)
    for name, param in model.named_parameters():
        param.requires_grad = "lora_" in name
    model.lora = {"r": r, "alpha": alpha}
    return model
