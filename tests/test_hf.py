"""Our Transformer is LLaMA: with weights copied across, logits match `LlamaForCausalLM`."""

import pytest
import torch

pytest.importorskip("transformers", reason="the HF comparison needs the [bench] extra")

from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.interop.hf import from_llama, to_llama


@pytest.mark.parametrize("pos_encoding", ["rope", "none"])
def test_logits_match_llama_for_causal_lm(pos_encoding):
    torch.manual_seed(0)
    cfg = ModelConfig(vocab_size=23, n_layer=2, n_head=4, d_model=64, pos_encoding=pos_encoding, rope_theta=500.0)
    ours = Transformer(cfg).eval()
    for p in ours.parameters():  # weights far from init, so a mismatch cannot hide in tiny activations
        p.data.normal_(0, 0.3)
    hf = to_llama(ours).eval()
    x = torch.randint(0, cfg.vocab_size, (3, 21))
    with torch.no_grad():
        ours_logits, hf_logits = ours(x), hf(input_ids=x).logits
        back = from_llama(hf, pos_encoding).eval()(x)
    torch.testing.assert_close(ours_logits, hf_logits, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(back, ours_logits, rtol=0, atol=0)


def test_grouped_query_attention_and_llama3_rope_scaling_match_too():
    torch.manual_seed(1)
    scaling = {
        "rope_type": "llama3",
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 32,
    }
    cfg = ModelConfig(
        vocab_size=23, n_layer=2, n_head=4, n_kv_head=2, d_model=64, pos_encoding="rope", rope_theta=500.0, rope_scaling=scaling
    )
    ours = Transformer(cfg).eval()
    for p in ours.parameters():
        p.data.normal_(0, 0.3)
    x = torch.randint(0, 23, (2, 40))  # longer than the scaling's original context
    with torch.no_grad():
        torch.testing.assert_close(ours(x), to_llama(ours)(input_ids=x).logits, rtol=1e-4, atol=1e-4)
        unscaled = Transformer(ModelConfig(**{**cfg.to_dict(), "rope_scaling": None})).eval()
        unscaled.load_state_dict(ours.state_dict())
        assert not torch.allclose(unscaled(x), ours(x), atol=1e-2)  # the scaling is really applied


def test_pretrained_checkpoint_keeps_its_logits_on_the_task_vocabulary(tmp_path):
    from transformers import AutoModelForCausalLM

    from selfimprove.interop.pretrained import load_pretrained, make_tiny_llama

    make_tiny_llama(tmp_path / "ckpt", "0123456789+=")
    model, tok, meta = load_pretrained(tmp_path / "ckpt", "0123456789+=")
    hf = AutoModelForCausalLM.from_pretrained(tmp_path / "ckpt").eval()
    ids = meta["vocabulary_map"]
    x = torch.tensor([[1, *tok.encode("54321+876=")]])
    with torch.no_grad():
        theirs = hf(input_ids=torch.tensor([[ids[i] for i in x[0].tolist()]])).logits[..., ids]
        torch.testing.assert_close(model.eval()(x), theirs, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="character '\\*' is not in its tokenizer's vocabulary"):
        load_pretrained(tmp_path / "ckpt", "0123456789*")


def test_rope_and_nope_llamas_differ():
    """The NoPE export really removes the rotation (so the RoPE match above is not vacuous)."""
    torch.manual_seed(0)
    rope = Transformer(ModelConfig(vocab_size=23, n_layer=1, n_head=2, d_model=32, pos_encoding="rope"))
    nope = Transformer(ModelConfig(vocab_size=23, n_layer=1, n_head=2, d_model=32, pos_encoding="none"))
    nope.load_state_dict(rope.state_dict())
    x = torch.randint(0, 23, (2, 12))
    with torch.no_grad():
        assert not torch.allclose(to_llama(rope)(input_ids=x).logits, to_llama(nope)(input_ids=x).logits, atol=1e-3)


def test_lora_trains_only_adapters_and_survives_a_checkpoint(tmp_path):
    pytest.importorskip("peft")
    import pandas as pd

    from selfimprove.engine.checkpoint import load_checkpoint
    from selfimprove.engine.train import TrainConfig, train_round
    from selfimprove.interop.pretrained import make_tiny_llama

    make_tiny_llama(tmp_path / "ckpt", "0123456789+=")
    data = pd.DataFrame(
        {"prompt": ["12+3=", "4+5="] * 20, "target": ["150", "90"] * 20, "difficulty": 1, "difficulty2": 0, "source": "base", "round": 0}
    )
    cfg = TrainConfig(steps=5, batch_size=8, lr=1e-2)
    train_round(data, cfg, tmp_path / "r0.pt", pretrained=tmp_path / "ckpt", lora={"r": 4, "alpha": 8}, alphabet="0123456789+=")
    model, _, state = load_checkpoint(tmp_path / "r0.pt")
    assert state["lora"] == {"r": 4, "alpha": 8}
    trained = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in n for n in trained)
    before = {n: p.clone() for n, p in model.named_parameters()}
    train_round(data, cfg, tmp_path / "r1.pt", init_checkpoint=tmp_path / "r0.pt")  # a later round continues the adapters
    after, _, _ = load_checkpoint(tmp_path / "r1.pt")
    changed = {n for n, p in after.named_parameters() if not torch.equal(p, before[n])}
    assert changed and changed <= trained  # the base model, embeddings and output layer stay frozen
