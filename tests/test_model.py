import math
import random
from pathlib import Path

import pytest
import torch
import yaml
from conftest import small_difficulties
from test_packing import assert_packed_equals_one_by_one, examples

from selfimprove.engine.checkpoint import load_checkpoint, save_checkpoint
from selfimprove.engine.generate import generate
from selfimprove.engine.model import MLPS, NORM_POSITIONS, NORMS, POS_ENCODINGS, ModelConfig, Transformer
from selfimprove.engine.tokenizer import BOS, EOS, CharTokenizer
from selfimprove.tasks import TASKS, get_task

# Architecture options: the LLaMA defaults, a GPT-2-like post-norm model, and the reference copy-task code's model
# (with its --bias flag on).
OPTIONS = {
    "llama": {},
    "post-layernorm-gelu-bias": {"norm": "layernorm", "norm_position": "post", "mlp": "gelu", "bias": True},
    "seed-bias": {"norm": "layernorm", "norm_position": "pre", "mlp": "swiglu", "bias": True},
}


def tiny_model(vocab_size, pos_encoding="none", seed=0, **options):
    torch.manual_seed(seed)
    model = Transformer(ModelConfig(vocab_size=vocab_size, n_layer=2, n_head=2, d_model=32, pos_encoding=pos_encoding, **options)).eval()
    with torch.no_grad():  # biases and norm weights away from their 0 / 1 init, so that they matter
        for p in model.parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    return model


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
    for seed in range(1, 4):  # the first untrained model whose answers differ between prompts
        model = tiny_model(tok.vocab_size, pos_encoding, seed=seed)
        # Bias the untrained model towards [EOS] a little so that some rows stop early.
        with torch.no_grad():
            model.lm_head.weight[EOS] += 0.05 * torch.randn(32)
        texts, _ = check_cached_generation(model, task, tok)
        if len(set(texts)) > 1:
            return
    pytest.fail(f"every untrained model answers all {len(texts)} prompts alike: the comparison would be vacuous")


def check_cached_generation(model, task, tok):
    """Batched, left-padded generation through the KV cache gives the plain loop's answers."""
    rng = random.Random(0)
    prompts = [task.sample(rng, d).prompt for d in small_difficulties(task) for _ in range(3)]
    budgets = [task.target_length(p) + 1 for p in prompts]
    texts, ended = generate(model, tok, prompts, budgets, batch_size=4, progress=False)
    for p, n, text, end in zip(prompts, budgets, texts, ended):
        assert (text, end) == argmax_loop(model, tok, p, n)
    return texts, ended


@pytest.mark.parametrize("options", list(OPTIONS.values()), ids=list(OPTIONS))
@pytest.mark.parametrize("pos_encoding", ["none", "rope"])
def test_cached_generation_equals_argmax_loop_with_architecture_options(options, pos_encoding):
    task = get_task("reverse_addition")
    tok = CharTokenizer(task.alphabet)
    model = tiny_model(tok.vocab_size, pos_encoding, seed=3, **options)
    with torch.no_grad():  # weights large enough that answers depend on the prompt, and some rows stop early
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.2)
        model.lm_head.weight[EOS] += 0.1
    texts, ended = check_cached_generation(model, task, tok)
    assert 0 < sum(ended) < len(ended) and len(set(texts)) > 5  # not vacuous


@pytest.mark.parametrize("options", list(OPTIONS.values()), ids=list(OPTIONS))
def test_packed_loss_and_gradients_equal_one_by_one_with_architecture_options(options):
    tok, prompts, targets = examples("reverse_addition", n=16)
    assert_packed_equals_one_by_one(tiny_model(tok.vocab_size, "rope", **options).train(), tok, prompts, targets)


def test_default_parameter_names_are_unchanged():
    """Checkpoints written before the architecture options existed still load."""
    model = Transformer(ModelConfig(vocab_size=10, n_layer=1, n_head=2, d_model=16))
    assert list(model.state_dict()) == [
        "embed.weight",
        "blocks.0.attn_norm.weight",
        "blocks.0.attn.qkv.weight",
        "blocks.0.attn.proj.weight",
        "blocks.0.mlp_norm.weight",
        "blocks.0.mlp.gate_up.weight",
        "blocks.0.mlp.down.weight",
        "norm.weight",
        "lm_head.weight",
    ]
    old = {k: v for k, v in model.cfg.to_dict().items() if k not in ("norm", "norm_position", "mlp", "bias")}
    assert ModelConfig(**old) == model.cfg


@pytest.mark.parametrize("options", list(OPTIONS.values()), ids=list(OPTIONS))
def test_bias_option_adds_biases_everywhere_but_the_output_layer(options):
    model = Transformer(ModelConfig(vocab_size=10, n_layer=1, n_head=2, d_model=16, **options))
    biases = {n for n, _ in model.named_parameters() if n.endswith(".bias")}
    if not options.get("bias"):
        assert not biases
        return
    mlp = ["mlp.gate_up"] if options.get("mlp", "swiglu") == "swiglu" else ["mlp.up"]
    layers = ["attn.qkv", "attn.proj", *mlp, "mlp.down"]
    norms = ["attn_norm", "mlp_norm"] if options.get("norm") == "layernorm" else []
    assert biases == {f"blocks.0.{m}.bias" for m in layers + norms} | ({"norm.bias"} if norms else set())
    assert all(not p.any() for n, p in model.named_parameters() if n.endswith(".bias"))  # zero init, as nanoGPT


def test_gelu_mlp_and_post_norm():
    cfg = ModelConfig(vocab_size=10, n_layer=1, n_head=2, d_model=16, norm="layernorm", norm_position="post", mlp="gelu")
    assert cfg.d_ff == 64 and ModelConfig(vocab_size=10, d_model=16, mlp="gelu", d_ff=40).d_ff == 40
    model = Transformer(cfg).eval()
    block, x = model.blocks[0], torch.randn(2, 5, 16)
    with torch.no_grad():  # post-norm: each sublayer's output is normalized (LayerNorm weight 1, bias 0 at init)
        out = block(x, None, None, 0)
        h = torch.nn.functional.layer_norm(x + block.attn(x), (16,), eps=cfg.norm_eps)
        torch.testing.assert_close(out, torch.nn.functional.layer_norm(h + block.mlp(h), (16,), eps=cfg.norm_eps))
        pre = Transformer(ModelConfig(**{**cfg.to_dict(), "norm_position": "pre"})).eval()
        pre.load_state_dict(model.state_dict())
        assert not torch.allclose(pre.blocks[0](x, None, None, 0), out, atol=1e-3)


def test_schema_enums_match_the_model_options():
    schema = yaml.safe_load((Path(__file__).parents[1] / "config" / "schema.yaml").read_text())
    props = schema["properties"]["model"]["properties"]
    for key, allowed in {"pos_encoding": POS_ENCODINGS, "norm": NORMS, "norm_position": NORM_POSITIONS, "mlp": MLPS}.items():
        assert props[key]["enum"] == list(allowed)
        quickstart = yaml.safe_load((Path(__file__).parents[1] / "config" / "config.yaml").read_text())["model"]
        default = props[key]["default"] if "default" in props[key] else quickstart[key]  # one of the two says it
        assert default == getattr(ModelConfig(vocab_size=2), key)
    assert props["bias"]["type"] == "boolean" and props["bias"]["default"] is False


def test_to_llama_refuses_non_llama_options():
    from selfimprove.interop.hf import llama_config, to_llama

    for key, value in [("norm", "layernorm"), ("norm_position", "post"), ("mlp", "gelu"), ("bias", True)]:
        model = Transformer(ModelConfig(vocab_size=10, n_layer=1, n_head=2, d_model=16, **{key: value}))
        with pytest.raises(ValueError, match=f"LLaMA has no {key}="):
            to_llama(model)
        with pytest.raises(ValueError, match=f"LLaMA has no {key}="):
            llama_config(model.cfg)


def test_checkpoint_round_trip_keeps_architecture_options(tmp_path):
    tok = CharTokenizer("0123456789+=")
    model = tiny_model(tok.vocab_size, "learned", **OPTIONS["post-layernorm-gelu-bias"])
    save_checkpoint(tmp_path / "model.pt", model, tok)
    loaded, _, _ = load_checkpoint(tmp_path / "model.pt")
    assert loaded.cfg == model.cfg and (loaded.cfg.norm, loaded.cfg.norm_position, loaded.cfg.mlp, loaded.cfg.bias) == (
        "layernorm",
        "post",
        "gelu",
        True,
    )
    x = torch.randint(0, tok.vocab_size, (2, 9))
    with torch.no_grad():
        assert torch.equal(model(x), loaded.eval()(x))


def test_checkpoint_is_self_contained(tmp_path):
    tok = CharTokenizer("0123456789+=")
    model = tiny_model(tok.vocab_size, "rope")
    save_checkpoint(tmp_path / "model.pt", model, tok, meta={"total_steps": 7})
    loaded, tok2, state = load_checkpoint(tmp_path / "model.pt")
    assert tok2.chars == tok.chars and loaded.cfg == model.cfg and state["meta"]["total_steps"] == 7
    x = torch.randint(0, tok.vocab_size, (2, 9))
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_config_rejects_bad_shapes():
    with pytest.raises(ValueError, match="divisible"):
        ModelConfig(vocab_size=10, d_model=30, n_head=4)
    with pytest.raises(ValueError, match="pos_encoding"):
        ModelConfig(vocab_size=10, pos_encoding="alibi")
    for key, value in [("norm", "batchnorm"), ("norm_position", "sandwich"), ("mlp", "relu"), ("bias", "yes")]:
        with pytest.raises(ValueError, match=f"^{key} must be"):
            ModelConfig(vocab_size=10, **{key: value})


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
    from selfimprove.engine.model import sinusoidal_table

    table = sinusoidal_table(50, 8)
    pos, i = 7, 2  # channel pair i: sin(pos / 10000^(2i/d)), cos(same)
    angle = pos / 10000 ** (2 * i / 8)
    assert table[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert table[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


@pytest.mark.parametrize("encoding", ["learned", "rope"])
def test_a_batch_of_rows_that_each_fit_generates_as_each_row_alone(encoding):
    """A long prompt with a short budget beside a short prompt with a long budget: each fits the
    position table, though the batch as a whole runs past it (the ended row is fed on)."""
    tok = CharTokenizer("0123456789")
    torch.manual_seed(0)
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=2, d_model=32, pos_encoding=encoding, max_seq_len=12))
    prompts, budgets = ["0123456789", "01"], [2, 10]  # 11 + 2 - 1 and 3 + 10 - 1 positions: both <= 12
    together = generate(model, tok, prompts, budgets, progress=False)
    alone = [generate(model, tok, [p], [b], progress=False) for p, b in zip(prompts, budgets)]
    assert together == ([a[0][0] for a in alone], [a[1][0] for a in alone])
    with pytest.raises(ValueError, match="budget of 11 new tokens exceeds max_seq_len=12"):
        generate(model, tok, ["01"], [11], progress=False)
