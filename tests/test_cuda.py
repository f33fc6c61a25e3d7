"""The GPU code paths: bf16 autocast, flash-attn's varlen kernel, the compiled MLP blocks.

Skipped without CUDA (CI and this project's CPU machines have none); benchmarks/gpu_check.sh runs them on
a GPU with SELFIMPROVE_REQUIRE_CUDA=1, which turns the skip into a failure.
"""

import copy
import os
import random

import numpy as np
import pytest
import torch

from selfimprove.engine.attention import _flash_attn_varlen, packed_attention
from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.packing import PackedExamples, Packing
from selfimprove.engine.step import TrainConfig, make_optimizer, packed_loss, prepare_for_device, train_step
from selfimprove.engine.tokenizer import CharTokenizer
from selfimprove.tasks import get_task

if os.environ.get("SELFIMPROVE_REQUIRE_CUDA") == "1" and not torch.cuda.is_available():
    raise RuntimeError("SELFIMPROVE_REQUIRE_CUDA=1 but torch sees no CUDA device")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (benchmarks/gpu_check.sh runs these on one)")


def batch(n=64, seed=0):
    task = get_task("reverse_addition")
    tok = CharTokenizer(task.alphabet)
    rng = random.Random(seed)
    examples = [task.sample(rng, rng.randint(1, 8)) for _ in range(n)]
    return tok, PackedExamples(tok, [e.prompt for e in examples], [e.target for e in examples])


def model_for(tok, **dims):
    torch.manual_seed(0)
    return Transformer(ModelConfig(vocab_size=tok.vocab_size, **{"n_layer": 2, "n_head": 4, "d_model": 64, **dims}))


def loss_on(model, examples, device, autocast):
    idx = np.arange(len(examples))
    inputs, labels, packing, weights = examples.pack_weighted(idx, device)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
        return float(packed_loss(model.to(device), inputs, labels, packing, examples.normalizer(idx), weights))


def test_bf16_packed_loss_is_within_tolerance_of_fp32():
    tok, examples = batch()
    model = model_for(tok)
    fp32 = loss_on(copy.deepcopy(model), examples, "cpu", autocast=False)
    bf16 = loss_on(copy.deepcopy(model), examples, "cuda", autocast=True)
    assert abs(bf16 - fp32) <= 2e-2 * fp32, (bf16, fp32)


def test_flash_attn_varlen_equals_sdpa_runs():
    if _flash_attn_varlen() is None:
        pytest.skip("flash_attn does not import here")
    torch.manual_seed(0)
    packing = Packing.from_runs([(3, 7), (2, 12), (5, 4)], device="cuda")
    q, k, v = (torch.randn(packing.num_tokens, 4, 16, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    flash = packed_attention(q, k, v, packing, backend="flash_varlen")
    sdpa = packed_attention(q, k, v, packing, backend="sdpa_runs")
    torch.testing.assert_close(flash.float(), sdpa.float(), atol=2e-2, rtol=2e-2)


def test_the_compiled_path_trains_like_the_eager_one():
    tok, examples = batch()
    cfg = TrainConfig(seed=0, steps=3, lr=1e-3, warmup_steps=0, decay_steps=0, batch_size=len(examples))
    losses = {}
    for compiled in (False, True):
        model = model_for(tok).cuda()
        if compiled:
            prepare_for_device(model)  # compiles every MLP block and its norm
        optimizer = make_optimizer(model, cfg)
        losses[compiled] = [float(train_step(model, optimizer, examples, np.arange(len(examples)), 1.0, "cuda")) for _ in range(3)]
    assert all(np.isfinite(losses[True])) and losses[True][-1] < losses[True][0]
    np.testing.assert_allclose(losses[True], losses[False], rtol=3e-2)
