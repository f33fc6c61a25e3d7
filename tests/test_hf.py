"""Our Transformer is LLaMA: with weights copied across, logits match `LlamaForCausalLM`."""

import pytest
import torch

pytest.importorskip("transformers", reason="the HF comparison needs the [bench] extra")

from selfimprove.hf import from_llama, to_llama  # noqa: E402
from selfimprove.model import ModelConfig, Transformer  # noqa: E402


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


def test_rope_and_nope_llamas_differ():
    """The NoPE export really removes the rotation (so the RoPE match above is not vacuous)."""
    torch.manual_seed(0)
    rope = Transformer(ModelConfig(vocab_size=23, n_layer=1, n_head=2, d_model=32, pos_encoding="rope"))
    nope = Transformer(ModelConfig(vocab_size=23, n_layer=1, n_head=2, d_model=32, pos_encoding="none"))
    nope.load_state_dict(rope.state_dict())
    x = torch.randint(0, 23, (2, 12))
    with torch.no_grad():
        assert not torch.allclose(to_llama(rope)(input_ids=x).logits, to_llama(nope)(input_ids=x).logits, atol=1e-3)
