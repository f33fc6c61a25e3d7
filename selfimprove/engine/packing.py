"""Packed batches: variable-length examples concatenated into one token stream.

Nothing is padded. Each example attends only to itself (see `attention.py`), and only its
answer tokens carry a loss. Examples of equal length sit next to each other in the stream,
so a run of `n` examples of length `L` is a plain (n, L) view of it: CPU attention can then
work on dense blocks without any mask, while GPU kernels take the `cu_seqlens` boundaries.

`PackedExamples` encodes a training table once, as one dense matrix per example length, so
that building a step's stream is a handful of row gathers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from selfimprove.engine.tokenizer import BOS, EOS, PAD, CharTokenizer

IGNORE = -100  # label of a position without loss (prompt tokens)


@dataclass
class Packing:
    """Where each example lies in a packed stream of `num_tokens` tokens."""

    runs: list[tuple[int, int, int]]  # (first token, number of examples, example length)
    positions: torch.Tensor  # (N,) position of each token within its example (for RoPE)
    cu_seqlens: torch.Tensor  # (examples + 1,) int32 example boundaries (for varlen kernels)
    max_len: int
    num_tokens: int

    @classmethod
    def from_runs(cls, runs: list[tuple[int, int]], device=None) -> Packing:
        """runs: (number of examples, length) in stream order."""
        starts, lengths = [], []
        pos = 0
        for n, length in runs:
            starts.append((pos, n, length))
            lengths += [length] * n
            pos += n * length
        positions = torch.cat([torch.arange(length).repeat(n) for n, length in runs]) if runs else torch.zeros(0, dtype=torch.long)
        cu = torch.zeros(len(lengths) + 1, dtype=torch.int32)
        cu[1:] = torch.cumsum(torch.tensor(lengths, dtype=torch.int32), 0)
        device = device or "cpu"
        return cls(starts, positions.to(device), cu.to(device), max(lengths, default=0), pos)

    def to(self, device) -> Packing:
        return Packing(self.runs, self.positions.to(device), self.cu_seqlens.to(device), self.max_len, self.num_tokens)


def encode_padded(tok: CharTokenizer, prompts, targets) -> tuple[torch.Tensor, torch.Tensor]:
    """The same examples right-padded to a rectangle (the paper code's layout).

    Returns inputs (n, L) with PAD after each example and labels (n, L), IGNORE over the
    prompt and the padding. Used by tests and benchmarks as the unpacked reference.
    """
    seqs = [[BOS, *tok.encode(p), *tok.encode(t), EOS] for p, t in zip(prompts, targets)]
    width = max(map(len, seqs)) - 1
    inputs = torch.full((len(seqs), width), PAD, dtype=torch.long)
    labels = torch.full((len(seqs), width), IGNORE, dtype=torch.long)
    for i, (seq, prompt) in enumerate(zip(seqs, prompts)):
        inputs[i, : len(seq) - 1] = torch.tensor(seq[:-1])
        labels[i, len(prompt) : len(seq) - 1] = torch.tensor(seq[len(prompt) + 1 :])
    return inputs, labels


class PackedExamples:
    """A table of (prompt, target) pairs, encoded once and ready to pack.

    An example is `[BOS] prompt target [EOS]`; its model input drops the last token and its
    labels are the next tokens, IGNORE over the prompt.
    """

    def __init__(self, tok: CharTokenizer, prompts, targets, prompt_masks=None, weights=None):
        """`prompt_masks[i]`, when given and not None: which characters of prompt i are
        labelled too (Task.supervised_in_prompt), besides the answer and [EOS].

        `weights[i]`, when given: example i's weight in a reward-weighted loss (RISE), which is
        the mean over a step's examples of weight x the example's token-averaged loss; each
        labelled token then carries weight / (its example's labelled tokens)."""
        prompts, targets = list(prompts), list(targets)
        if not prompts:
            raise ValueError("no examples to pack")
        masks = list(prompt_masks) if prompt_masks is not None else [None] * len(prompts)
        lengths = np.array([len(p) + len(t) + 1 for p, t in zip(prompts, targets)])  # input length
        self.lengths = lengths
        # labelled positions: the answer and [EOS], plus any supervised prompt characters
        self.answer_lengths = np.array([len(t) + 1 + (sum(m) if m is not None else 0) for t, m in zip(targets, masks)])
        self.row = np.zeros(len(lengths), dtype=np.int64)  # row of each example in its length's matrix
        self.weighted = weights is not None
        per_token = np.asarray(weights, dtype=np.float32) / self.answer_lengths if self.weighted else None
        self.inputs: dict[int, torch.Tensor] = {}
        self.labels: dict[int, torch.Tensor] = {}
        self.token_weights: dict[int, torch.Tensor] = {}
        for length in np.unique(lengths):
            members = np.flatnonzero(lengths == length)
            self.row[members] = np.arange(len(members))
            inputs = np.empty((len(members), length), dtype=np.int64)
            labels = np.full((len(members), length), IGNORE, dtype=np.int64)
            for r, i in enumerate(members):
                seq = [BOS, *tok.encode(prompts[i]), *tok.encode(targets[i]), EOS]
                inputs[r] = seq[:-1]
                answer = len(prompts[i])  # labels[t] is seq[t + 1]; the answer starts at seq[1 + len(prompt)]
                labels[r, answer:] = seq[answer + 1 :]
                if masks[i] is not None:  # prompt character t is seq[t + 1], predicted at position t
                    if len(masks[i]) != answer:
                        raise ValueError(f"a prompt mask has {len(masks[i])} entries for a prompt of {answer} characters")
                    supervised = np.flatnonzero(masks[i])
                    labels[r, supervised] = np.asarray(seq)[supervised + 1]
            self.inputs[int(length)] = torch.from_numpy(inputs)
            self.labels[int(length)] = torch.from_numpy(labels)
            if self.weighted:
                self.token_weights[int(length)] = torch.from_numpy(
                    np.where(labels != IGNORE, per_token[members][:, None], 0).astype(np.float32)
                )

    def __len__(self) -> int:
        return len(self.lengths)

    def num_tokens(self, idx) -> int:
        return int(self.lengths[np.asarray(idx)].sum())

    def num_answer_tokens(self, idx) -> int:
        return int(self.answer_lengths[np.asarray(idx)].sum())

    def normalizer(self, idx) -> int:
        """What a step's summed loss is divided by: its labelled tokens, or (weighted) its examples."""
        return len(np.asarray(idx)) if self.weighted else self.num_answer_tokens(idx)

    def pack(self, idx, device=None) -> tuple[torch.Tensor, torch.Tensor, Packing]:
        """Examples `idx` (repeats allowed) -> inputs (1, N), labels (1, N), their Packing."""
        x, y, packing, _ = self.pack_weighted(idx, device)
        return x, y, packing

    def pack_weighted(self, idx, device=None):
        """Like `pack`, plus each token's loss weight (1, N), or None when unweighted."""
        idx = np.asarray(idx)
        order = np.argsort(self.lengths[idx], kind="stable")
        idx = idx[order]
        inputs, labels, weights, runs = [], [], [], []
        for length in np.unique(self.lengths[idx]):
            rows = torch.from_numpy(self.row[idx[self.lengths[idx] == length]])
            inputs.append(self.inputs[int(length)][rows].reshape(-1))
            labels.append(self.labels[int(length)][rows].reshape(-1))
            if self.weighted:
                weights.append(self.token_weights[int(length)][rows].reshape(-1))
            runs.append((len(rows), int(length)))
        device = device or "cpu"
        x, y = torch.cat(inputs)[None], torch.cat(labels)[None]
        w = torch.cat(weights)[None].to(device) if self.weighted else None
        return x.to(device), y.to(device), Packing.from_runs(runs, device), w
