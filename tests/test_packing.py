"""Packed training computes exactly what running the examples one by one computes."""

import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import small_difficulties

from selfimprove.engine.model import POS_ENCODINGS, ModelConfig, Transformer
from selfimprove.engine.packing import IGNORE, PackedExamples, Packing, encode_padded
from selfimprove.engine.step import packed_loss
from selfimprove.engine.tokenizer import PAD, CharTokenizer
from selfimprove.tasks import TASKS, get_task


def examples(name, n=40, seed=0):
    task = get_task(name)
    rng = random.Random(seed)
    sampled = [task.sample(rng, rng.choice(small_difficulties(task))) for _ in range(n)]
    return CharTokenizer(task.alphabet), [e.prompt for e in sampled], [e.target for e in sampled]


def model_for(tok, pos_encoding, seed=0):
    torch.manual_seed(seed)
    return Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=2, n_head=2, d_model=32, pos_encoding=pos_encoding))


def one_by_one_loss(model, tok, prompts, targets):
    """Sum of answer-token losses of each example run alone, over the number of answer tokens."""
    total, count = 0.0, 0
    for p, t in zip(prompts, targets):
        x, y = encode_padded(tok, [p], [t])  # a single example: no padding at all
        logits = model(x)
        total = total + F.cross_entropy(logits[0], y[0], ignore_index=IGNORE, reduction="sum")
        count += int((y != IGNORE).sum())
    return total / count


def test_pack_lays_examples_out_back_to_back_sorted_by_length():
    tok, prompts, targets = examples("reverse_addition")
    packed = PackedExamples(tok, prompts, targets)
    idx = np.array([3, 0, 3, 7, 12])  # repeats are allowed (sampling with replacement)
    x, y, packing = packed.pack(idx)
    pad_x, pad_y = encode_padded(tok, [prompts[i] for i in idx], [targets[i] for i in idx])
    lengths = (pad_x != PAD).sum(1)
    order = np.argsort(lengths.numpy(), kind="stable")
    assert x.shape == (1, int(lengths.sum())) and packing.num_tokens == x.shape[1]
    assert PAD not in x.tolist()[0]
    pos = 0
    for i in order:  # the stream is each example's unpadded row, shortest first
        n = int(lengths[i])
        assert x[0, pos : pos + n].tolist() == pad_x[i, :n].tolist()
        assert y[0, pos : pos + n].tolist() == pad_y[i, :n].tolist()
        assert packing.positions[pos : pos + n].tolist() == list(range(n))
        pos += n
    assert packing.cu_seqlens.tolist() == [0, *np.cumsum(lengths.numpy()[order]).tolist()]
    assert sum(n * length for _, n, length in packing.runs) == packing.num_tokens


@pytest.mark.parametrize("name", sorted(TASKS))
@pytest.mark.parametrize("pos_encoding", POS_ENCODINGS)
def test_packed_loss_and_gradients_equal_running_examples_one_by_one(name, pos_encoding):
    tok, prompts, targets = examples(name)
    assert_packed_equals_one_by_one(model_for(tok, pos_encoding), tok, prompts, targets)


def assert_packed_equals_one_by_one(model, tok, prompts, targets):
    """The packed loss and its gradients equal those of the examples run one by one."""
    x, y, packing = PackedExamples(tok, prompts, targets).pack(np.arange(len(prompts)))
    packed = packed_loss(model, x, y, packing)
    packed.backward()
    packed_grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    alone = one_by_one_loss(model, tok, prompts, targets)
    alone.backward()
    assert packed.item() == pytest.approx(alone.item(), rel=1e-5)
    for p, g in zip(model.parameters(), packed_grads):
        torch.testing.assert_close(g, p.grad, rtol=1e-4, atol=1e-6)


def test_an_example_never_sees_its_neighbours():
    tok, prompts, targets = examples("copy", n=6)
    model = model_for(tok, "rope").eval()
    packed = PackedExamples(tok, prompts, targets)
    x, _, packing = packed.pack(np.arange(6))
    changed = x.clone()
    first = packing.runs[0]
    changed[0, : first[2]] = (changed[0, : first[2]] + 1) % tok.vocab_size  # rewrite the first example only
    with torch.no_grad():
        a, b = model(x, packing=packing), model(changed, packing=packing)
    assert not torch.allclose(a[0, : first[2]], b[0, : first[2]])
    torch.testing.assert_close(a[0, first[2] :], b[0, first[2] :], rtol=0, atol=1e-6)


def test_packed_forward_refuses_a_cache_and_overlong_examples():
    tok, prompts, targets = examples("copy", n=3)
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=2, d_model=16, pos_encoding="rope", max_seq_len=4))
    x, _, packing = PackedExamples(tok, ["12345="], ["12345"]).pack([0])
    with pytest.raises(ValueError, match="exceeds max_seq_len=4"):
        model(x, packing=packing)
    with pytest.raises(ValueError, match="no examples"):
        PackedExamples(tok, [], [])
    assert Packing.from_runs([(2, 3)]).positions.tolist() == [0, 1, 2, 0, 1, 2]


def test_supervised_prompt_characters_are_labelled_and_counted_like_the_answer():
    """Sparse parity also trains on the in-context separators and chain-of-thought bits: the packed
    loss equals the mean cross-entropy over exactly those positions plus the answer, run one by one."""
    task = get_task("sparse_parity", {"d": 5, "k": 2, "n_test_tasks": 3, "n_train_tasks": 4})
    tok, rng = CharTokenizer(task.alphabet), random.Random(0)
    sampled = [task.sample_base(rng, 2, 4) for _ in range(12)]
    prompts, targets = [e.prompt for e in sampled], [e.target for e in sampled]
    masks = [task.supervised_in_prompt(p) for p in prompts]
    model = model_for(tok, "learned")
    packed_examples = PackedExamples(tok, prompts, targets, masks)
    x, y, packing = packed_examples.pack(np.arange(len(prompts)))
    packed = packed_loss(model, x, y, packing)
    total, count = 0.0, 0
    for p, t, m in zip(prompts, targets, masks):
        seq = torch.tensor([1, *tok.encode(p), *tok.encode(t), 2])  # [BOS] prompt target [EOS]
        logits = model(seq[None, :-1])[0]
        labelled = [i for i, keep in enumerate(m) if keep] + list(range(len(p), len(seq) - 1))  # position i predicts seq[i + 1]
        total = total + F.cross_entropy(logits[labelled], seq[1:][labelled], reduction="sum")
        count += len(labelled)
    assert packed_examples.num_answer_tokens(np.arange(len(prompts))) == count == int((y != IGNORE).sum())
    assert packed.item() == pytest.approx((total / count).item(), rel=1e-5)
    with pytest.raises(ValueError, match="prompt mask has 2 entries"):
        PackedExamples(tok, prompts[:1], targets[:1], [[True, False]])
