import math
import random

import pytest
import torch

from selfimprove.checkpoint import load_checkpoint, save_checkpoint
from selfimprove.generate import generate
from selfimprove.model import POS_ENCODINGS, ModelConfig, Transformer
from selfimprove.tasks import TASKS, get_task
from selfimprove.tokenizer import BOS, EOS, CharTokenizer

from conftest import small_difficulties


def tiny_model(vocab_size, pos_encoding="none", seed=0):
    torch.manual_seed(seed)
    return Transformer(ModelConfig(vocab_size=vocab_size, n_layer=2, n_head=2, d_model=32, pos_encoding=pos_encoding)).eval()


@pytest.mark.parametrize("pos_encoding", POS_ENCODINGS)
def test_model_is_causal(pos_encoding):
    model = tiny_model(20, pos_encoding)
    x = torch.randint(0, 20, (3, 12))
    y = x.clone()
    y[:, 7:] = torch.randint(0, 20, (3, 5))
    with torch.no_grad():
        a, b = model(x), model(y)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)
    assert not torch.allclose(a[:, 7:], b[:, 7:], atol=1e-3)


def test_nope_and_rope_differ():
    nope, rope = tiny_model(20, "none"), tiny_model(20, "rope")
    x = torch.randint(0, 20, (2, 10))
    with torch.no_grad():
        assert not torch.allclose(nope(x), rope(x), atol=1e-4)


def argmax_loop(model, tok, prompt, max_new):
    """Reference decoding: re-run the whole sequence every step, no cache."""
    ids = [BOS, *tok.encode(prompt)]
    out = []
    for _ in range(max_new):
        with torch.no_grad():
            nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        if nxt == EOS:
            return tok.decode(out), True
        ids.append(nxt)
        out.append(nxt)
    return tok.decode(out), False


@pytest.mark.parametrize("name", sorted(TASKS))
@pytest.mark.parametrize("pos_encoding", POS_ENCODINGS)
def test_cached_batched_generation_equals_plain_argmax_loop(name, pos_encoding):
    task = get_task(name)
    tok = CharTokenizer(task.alphabet)
    model = tiny_model(tok.vocab_size, pos_encoding, seed=1)
    # Bias the untrained model towards [EOS] a little so that some rows stop early.
    with torch.no_grad():
        model.lm_head.weight[EOS] += 0.05 * torch.randn(32)
    rng = random.Random(0)
    prompts = [task.sample(rng, d).prompt for d in small_difficulties(task) for _ in range(3)]
    budgets = [task.target_length(p) + 1 for p in prompts]
    texts, ended = generate(model, tok, prompts, budgets, batch_size=4, progress=False)
    for p, n, text, end in zip(prompts, budgets, texts, ended):
        assert (text, end) == argmax_loop(model, tok, p, n)


def test_checkpoint_is_self_contained(tmp_path):
    tok = CharTokenizer("0123456789+=")
    model = tiny_model(tok.vocab_size, "rope")
    save_checkpoint(tmp_path / "model.pt", model, tok, meta={"total_steps": 7})
    loaded, tok2, state = load_checkpoint(tmp_path / "model.pt")
    assert tok2.chars == tok.chars and loaded.cfg == model.cfg and state["meta"]["total_steps"] == 7
    x = torch.randint(0, tok.vocab_size, (2, 9))
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_truncated_checkpoint_names_the_file(tmp_path):
    tok = CharTokenizer("01")
    save_checkpoint(tmp_path / "model.pt", tiny_model(tok.vocab_size), tok)
    data = (tmp_path / "model.pt").read_bytes()
    (tmp_path / "model.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="model.pt"):
        load_checkpoint(tmp_path / "model.pt")


def test_config_rejects_bad_shapes():
    with pytest.raises(ValueError, match="divisible"):
        ModelConfig(vocab_size=10, d_model=30, n_head=4)
    with pytest.raises(ValueError, match="pos_encoding"):
        ModelConfig(vocab_size=10, pos_encoding="alibi")


def test_absolute_encodings_make_position_visible_and_respect_their_table():
    """With learned or sinusoidal positions the same token at two positions gets two outputs;
    NoPE's first layer cannot tell them apart. Longer than the table is refused."""
    x = torch.full((1, 6), 5)
    for encoding in ("learned", "sinusoidal"):
        model = tiny_model(20, encoding)
        with torch.no_grad():
            h = model.embed(x) + (model.pos_embed(torch.arange(6)) if encoding == "learned" else model.pos_table[:6])
        assert not torch.allclose(h[0, 0], h[0, 3])
        short = Transformer(ModelConfig(vocab_size=20, n_layer=1, n_head=2, d_model=32, pos_encoding=encoding, max_seq_len=8))
        with pytest.raises(ValueError, match="exceeds max_seq_len=8"):
            short(torch.zeros(1, 9, dtype=torch.long))


def test_sinusoidal_table_is_the_classic_one():
    from selfimprove.model import sinusoidal_table

    table = sinusoidal_table(50, 8)
    pos, i = 7, 2  # channel pair i: sin(pos / 10000^(2i/d)), cos(same)
    angle = pos / 10000 ** (2 * i / 8)
    assert table[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert table[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)
