"""Causal self-attention over a packed stream: every example attends only to itself.

Backends, picked once per process by `packed_backend()`:

* ``flash_varlen``: flash-attn's variable-length kernel on the stream and its `cu_seqlens`
  (CUDA, when `flash_attn` imports).
* ``sdpa_runs``: PyTorch SDPA on each run of equal-length examples, viewed as a dense
  (examples, heads, length, head_dim) block with an ordinary causal mask. Exact, computes no
  padding, and is the fastest path measured on CPU (see benchmarks/README.md). It is also
  the fallback on a GPU without flash-attn. Only the MLP blocks are ever compiled
  (step.prepare_for_device), so attention runs eagerly (its run structure changes every step)
  without a torch.compiler.disable, whose import of torch._dynamo would cost every job ~0.8 s.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from selfimprove.engine.packing import Packing

BACKENDS = ("flash_varlen", "sdpa_runs")


@functools.cache
def _flash_attn_varlen():
    try:
        from flash_attn import flash_attn_varlen_func
    except Exception:  # not installed, or built for another torch/CUDA
        return None
    return flash_attn_varlen_func


def packed_backend(q: torch.Tensor) -> str:
    """The backend for queries `q`: flash-attn needs CUDA and 16-bit activations."""
    if q.is_cuda and q.dtype in (torch.float16, torch.bfloat16) and _flash_attn_varlen() is not None:
        return "flash_varlen"
    return "sdpa_runs"


def _sdpa_runs(q, k, v, packing: Packing):
    """q, k, v: (N, H, hd) -> (N, H, hd)."""
    # One split per tensor, not a slice per run: the backward of a split is a single
    # concatenation, while each slice's backward fills a stream-sized zero tensor.
    sizes = [n * length for _, n, length in packing.runs]
    out = []
    for (_, n, length), q_, k_, v_ in zip(packing.runs, q.split(sizes), k.split(sizes), v.split(sizes)):
        q_, k_, v_ = (t.view(n, length, *t.shape[1:]).transpose(1, 2) for t in (q_, k_, v_))
        y = F.scaled_dot_product_attention(q_, k_, v_, is_causal=True)
        out.append(y.transpose(1, 2).reshape(n * length, *q.shape[1:]))
    return torch.cat(out) if len(out) > 1 else out[0]


def packed_attention(q, k, v, packing: Packing, backend: str | None = None):
    """q, k, v: (N, H, hd) for the stream's N tokens -> (N, H, hd)."""
    backend = backend or packed_backend(q)
    if backend == "flash_varlen":
        fn = _flash_attn_varlen()
        cu, m = packing.cu_seqlens, packing.max_len
        return fn(q, k, v, cu, cu, m, m, causal=True)
    if backend == "sdpa_runs":
        return _sdpa_runs(q, k, v, packing)
    raise ValueError(f"attention backend must be one of {BACKENDS}, got {backend!r}")
