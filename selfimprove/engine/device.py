"""Choosing where tensors live and how many CPU threads torch uses."""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)
DEVICES = ("auto", "cpu", "cuda")


def pick_device(name: str = "auto", threads: int | None = None) -> torch.device:
    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but torch sees no CUDA GPU")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if threads:
        torch.set_num_threads(threads)
    log.info("device=%s torch_threads=%d", name, torch.get_num_threads())
    return torch.device(name)
