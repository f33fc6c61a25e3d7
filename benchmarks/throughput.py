"""Training and generation throughput: our engine against the Hugging Face stack.

Both stacks get the same model (our weights copied into a `LlamaForCausalLM`), the same
training examples in the same batches and the same prompts:

* ours: `selfimprove.engine.step.train_step` on packed batches; `selfimprove.engine.generate.generate`.
* reference, as the paper's code runs it: `LlamaForCausalLM` (SDPA attention) trained on
  right-padded batches with an attention mask and AdamW, and `model.generate` (greedy, KV
  cache) on left-padded batches of the same size, one difficulty per batch as the paper's
  evaluation sets are. The paper drives these through the HF Trainer; a plain loop around
  the same forward/backward is used here, which only removes overhead from the reference.

Timings alternate between the stacks in several windows and report the median, because a
shared CPU's speed drifts. Ends with one JSON line (see benchmarks/README.md).

    python benchmarks/throughput.py --quick          # < 3 minutes on a 2-core CPU
    python benchmarks/throughput.py --model paper    # 6 x 384 x 6 heads (meant for a GPU)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import yaml

from selfimprove.engine.device import pick_device
from selfimprove.engine.generate import generate
from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.packing import IGNORE, PackedExamples, encode_padded
from selfimprove.engine.step import TrainConfig, make_optimizer, prepare_for_device, train_step
from selfimprove.engine.tokenizer import EOS, PAD, CharTokenizer
from selfimprove.interop.hf import to_llama
from selfimprove.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
PAPER_MODEL = {"n_layer": 6, "n_head": 6, "d_model": 384}
TARGETS = {"cpu": {"train_ratio": 1.5, "gen_ratio": 5.0, "train_mfu": 0.5}, "cuda": {"train_ratio": 2.0, "gen_ratio": 10.0}}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(ROOT / "config/config.yaml"), help="workflow config: task, model, batch sizes, difficulties")
    p.add_argument("--model", choices=["config", "paper"], default="config", help="model size: the config's, or the paper's 6x384")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch CPU threads")
    p.add_argument("--quick", action="store_true", help="fewer steps and prompts (< 3 min on 2 CPU cores)")
    p.add_argument("--train-steps", type=int, help="timed training steps per stack and window")
    p.add_argument("--gen-per-difficulty", type=int, help="prompts per evaluated difficulty (default: the config's eval_examples)")
    p.add_argument("--windows", type=int, help="alternating timing windows per stack")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    quick = {"train_steps": 40, "windows": 3}
    full = {"train_steps": 100, "windows": 5}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


# --------------------------------------------------------------------------- measurements


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def gemm_gflops(device, dtype, shapes, reps=15) -> float:
    """Median rate of the matrix products (m, k, n) in `shapes`, each timed on its own."""
    rates = []
    for m, k, n in shapes:
        a, b = torch.randn(m, k, device=device, dtype=dtype), torch.randn(k, n, device=device, dtype=dtype)
        warm = time.perf_counter()
        while time.perf_counter() - warm < 0.5:  # wake the cores (clock ramp-up, lazy BLAS setup)
            a @ b
        sync(device)
        for _ in range(reps):
            sync(device)
            t = time.perf_counter()
            a @ b
            sync(device)
            rates.append(2 * m * k * n / (time.perf_counter() - t) / 1e9)
    return statistics.median(rates)


def matmul_gflops(device, dtype) -> float:
    """The machine's dense matrix-multiply rate: the median of large square products, after a warm-up."""
    n = 1024 if device.type == "cpu" else 8192
    return gemm_gflops(device, dtype, [(n, n, n)])


def layer_matrices(cfg: ModelConfig) -> list[tuple[int, int]]:
    """(in, out) of every weight matrix a block multiplies by: qkv, output projection, SwiGLU's gate/up and down."""
    d, f = cfg.d_model, cfg.d_ff
    return [(d, 3 * d), (d, d), (d, 2 * f), (f, d)]


def model_gemm_gflops(cfg: ModelConfig, tokens: int, device, dtype) -> float:
    """The rate the same machine reaches on this model's own matrix products, `tokens` rows each."""
    return gemm_gflops(device, dtype, [(tokens, k, n) for k, n in layer_matrices(cfg)], reps=5)


def weights_per_token(cfg: ModelConfig) -> int:
    """Multiply-accumulates per token in the linear layers (every block and the output layer)."""
    return cfg.n_layer * sum(k * n for k, n in layer_matrices(cfg)) + cfg.d_model * cfg.vocab_size


def train_flops_per_token(cfg: ModelConfig, lengths: np.ndarray) -> float:
    """Forward + backward FLOPs per real token: 6 per weight of every matrix multiply, plus
    causal attention over each example's own prefix (QK^T and AV, 2*2*d per key, x3)."""
    keys = (lengths * (lengths + 1) / 2).sum() / lengths.sum()  # mean keys a token attends to
    return 6 * weights_per_token(cfg) + 3 * cfg.n_layer * 4 * cfg.d_model * keys


def generation_gemm_ceiling(cfg: ModelConfig, prompt_tokens: list[int], budgets: list[int], batch: int, device, dtype) -> float:
    """Examples per second of an ideal engine whose only cost is the forward matrix products.

    Each example runs its prompt (with [BOS]) through the model once and then one token per
    new token but the last; every such token costs 2 FLOPs per weight. The products run at
    the rate this machine reaches on the model's shapes with the rows they really have: a
    prefill batch's prompt tokens, or one row per example while decoding. Attention, norms,
    activations, sampling and bookkeeping are free here, so no engine built from matrix
    products can be faster than this on the same machine.
    """
    batch = min(batch, len(budgets))
    prefill_rows = int(batch * np.mean(prompt_tokens))
    rate = {rows: model_gemm_gflops(cfg, rows, device, dtype) * 1e9 for rows in (prefill_rows, batch)}
    flops = 2 * weights_per_token(cfg)
    seconds = flops * (sum(prompt_tokens) / rate[prefill_rows] + sum(b - 1 for b in budgets) / rate[batch])
    return len(budgets) / seconds


def step_breakdown(step, batches, device) -> dict[str, float]:
    """Share of one training step's operator time spent in matrix products, attention and the rest (torch.profiler, CPU)."""
    from torch.profiler import profile

    with profile() as prof:
        for idx in batches:
            step(idx)
    groups = {"matmul": ("aten::mm", "aten::addmm", "aten::bmm"), "attention": ("scaled_dot_product", "flash_attention")}
    totals = dict.fromkeys([*groups, "other"], 0.0)
    for event in prof.key_averages():
        group = next((g for g, names in groups.items() if any(n in event.key for n in names)), "other")
        totals[group] += event.self_cpu_time_total
    whole = sum(totals.values())
    return {g: t / whole for g, t in totals.items()}


def median_rate(windows):
    return statistics.median(work / seconds for work, seconds in windows)


# --------------------------------------------------------------------------- the two stacks


class OursTrain:
    def __init__(self, model, tok, prompts, targets, tcfg, device):
        self.model, self.device, self.clip = model, device, tcfg.grad_clip
        self.examples = PackedExamples(tok, prompts, targets)
        self.opt = make_optimizer(model, tcfg)
        prepare_for_device(model)
        model.train()

    def step(self, idx):
        train_step(self.model, self.opt, self.examples, idx, self.clip, self.device)


class HFTrain:
    """The paper's layout: right-padded to the batch's longest example, attention mask, -100 labels."""

    def __init__(self, model, tok, prompts, targets, tcfg, device):
        self.model, self.device, self.clip = model, device, tcfg.grad_clip
        self.tok, self.prompts, self.targets = tok, prompts, targets
        decay = [p for p in model.parameters() if p.dim() >= 2]
        rest = [p for p in model.parameters() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": tcfg.weight_decay}, {"params": rest, "weight_decay": 0.0}]
        self.opt = torch.optim.AdamW(groups, lr=tcfg.lr, betas=tcfg.betas)
        model.train()

    def step(self, idx):
        x, y = encode_padded(self.tok, [self.prompts[i] for i in idx], [self.targets[i] for i in idx])
        x, y = x.to(self.device), y.to(self.device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            logits = self.model(input_ids=x, attention_mask=(x != PAD).long()).logits
            loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), ignore_index=IGNORE)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.opt.step()


def hf_generate(model, tok, prompts, budgets, batch_size, device):
    """HF `generate` on left-padded batches of one difficulty each, capped at the true answer length."""
    model.eval()
    out = [None] * len(prompts)
    by_len = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    tok_pad = lambda ids: [[PAD] * (max(map(len, ids)) - len(r)) + r for r in ids]
    for ids in by_len.values():
        for j in range(0, len(ids), batch_size):
            batch = ids[j : j + batch_size]
            rows = tok_pad([[1, *tok.encode(prompts[i])] for i in batch])
            x = torch.tensor(rows, device=device)
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
                new = model.generate(
                    input_ids=x,
                    attention_mask=(x != PAD).long(),
                    max_new_tokens=max(budgets[i] for i in batch),
                    do_sample=False,
                    eos_token_id=EOS,
                    pad_token_id=PAD,
                )[:, x.shape[1] :]
            for i, row in zip(batch, new.tolist()):
                out[i] = tok.decode(row[: budgets[i]])
    return out


# --------------------------------------------------------------------------- main


def main(argv=None) -> dict:
    args = parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text())
    device = pick_device(args.device, args.threads)
    torch.manual_seed(args.seed)
    task = get_task(config["task"])
    tok = CharTokenizer(task.alphabet)
    dims = {**config["model"], **(PAPER_MODEL if args.model == "paper" else {})}
    cfg = ModelConfig(vocab_size=tok.vocab_size, **dims)
    tcfg = TrainConfig(steps=1, batch_size=config["train"]["batch_size"], lr=config["train"]["base_round"]["lr"])
    print(f"device={device} threads={torch.get_num_threads()} task={task.name} model={dims} batch={tcfg.batch_size}")
    print("torch", torch.__version__, flush=True)

    peak = matmul_gflops(device, torch.float32 if device.type == "cpu" else torch.bfloat16)
    print(f"dense matmul rate ({'fp32' if device.type == 'cpu' else 'bf16'}): {peak:.1f} GFLOP/s", flush=True)

    # Training data: the round-0 distribution (uniform difficulty over the base range).
    rng = random.Random(args.seed)
    lo, hi = config["data"]["base_difficulty"]
    steps_total = 2 + args.train_steps * args.windows
    sampled = [task.sample_base(rng, lo, hi) for _ in range(tcfg.batch_size * steps_total)]
    prompts, targets = [e.prompt for e in sampled], [e.target for e in sampled]
    batches = [np.arange(s * tcfg.batch_size, (s + 1) * tcfg.batch_size) for s in range(steps_total)]

    ours_model = Transformer(cfg).to(device)
    hf_model = to_llama(ours_model)
    stacks = {
        "ours": OursTrain(ours_model, tok, prompts, targets, tcfg, device),
        "hf": HFTrain(hf_model, tok, prompts, targets, tcfg, device),
    }
    lengths = np.array([len(p) + len(t) + 1 for p, t in zip(prompts, targets)])
    windows = {name: [] for name in stacks}
    for name, stack in stacks.items():  # warm-up (and compilation) outside the timed windows
        for idx in batches[:2]:
            stack.step(idx)
    for w in range(args.windows):
        chunk = batches[2 + w * args.train_steps : 2 + (w + 1) * args.train_steps]
        for name, stack in stacks.items():
            sync(device)
            t = time.perf_counter()
            for idx in chunk:
                stack.step(idx)
            sync(device)
            windows[name].append((sum(lengths[idx].sum() for idx in chunk), time.perf_counter() - t))
        print(
            f"train window {w + 1}/{args.windows}: " + ", ".join(f"{n} {windows[n][-1][0] / windows[n][-1][1]:,.0f} tok/s" for n in stacks),
            flush=True,
        )
    train_tps = {name: median_rate(windows[name]) for name in stacks}
    flops = train_flops_per_token(cfg, lengths)
    train_gflops = train_tps["ours"] * flops / 1e9
    # Measured again after the training windows; the higher figure stands, so a slow moment at
    # start-up can never inflate the utilisation.
    peak = max(peak, matmul_gflops(device, torch.float32 if device.type == "cpu" else torch.bfloat16))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    shaped = model_gemm_gflops(cfg, int(lengths[: tcfg.batch_size].sum()), device, dtype)
    print(
        f"training FLOPs per token {flops / 1e6:.2f} M; ours {train_gflops:.1f} GFLOP/s = {train_gflops / peak:.1%} of the dense matmul rate"
    )
    print(f"(this model's own matrix products alone run at {shaped:.1f} GFLOP/s = {shaped / peak:.1%} of it)", flush=True)
    breakdown = step_breakdown(stacks["ours"].step, batches[2:7], device) if device.type == "cpu" else None
    if breakdown:
        print("ours, operator time per step (torch.profiler): " + ", ".join(f"{g} {v:.0%}" for g, v in breakdown.items()), flush=True)

    # Generation: the config's evaluation workload (eval_examples prompts at each eval
    # difficulty), with the weights the training benchmark produced, copied across.
    hf_gen = to_llama(ours_model).eval()
    ours_model.eval()
    glo, ghi = config["data"]["eval_difficulties"]
    gen_batch = config["generation"]["batch_size"]
    per_difficulty = args.gen_per_difficulty or config["data"]["eval_examples"]
    gwindows = {"ours": [], "hf": []}
    agree = []
    for w in range(args.windows):
        grng = random.Random(f"gen:{args.seed}:{w}")
        gprompts = [task.sample(grng, d).prompt for d in range(glo, ghi + 1) for _ in range(per_difficulty)]
        budgets = [task.target_length(p) + 1 for p in gprompts]
        sync(device)
        t = time.perf_counter()
        ours_out, _ = generate(ours_model, tok, gprompts, budgets, gen_batch, progress=False)
        sync(device)
        gwindows["ours"].append((len(gprompts), time.perf_counter() - t))
        t = time.perf_counter()
        hf_out = hf_generate(hf_gen, tok, gprompts, budgets, gen_batch, device)
        sync(device)
        gwindows["hf"].append((len(gprompts), time.perf_counter() - t))
        agree.append(np.mean([a == b for a, b in zip(ours_out, hf_out)]))
        print(
            f"generate window {w + 1}/{args.windows}: "
            + ", ".join(f"{n} {gwindows[n][-1][0] / gwindows[n][-1][1]:,.0f} ex/s" for n in gwindows)
            + f", same output {agree[-1]:.1%}",
            flush=True,
        )
    gen_eps = {name: median_rate(gwindows[name]) for name in gwindows}
    ceiling = generation_gemm_ceiling(cfg, [len(p) + 1 for p in gprompts], budgets, gen_batch, device, dtype)
    print(
        f"generation ceiling if only its matrix products took time (at their measured rate): {ceiling:,.0f} ex/s"
        f" = {ceiling / gen_eps['hf']:.2f} x hf; ours reaches {gen_eps['ours'] / ceiling:.0%} of it",
        flush=True,
    )

    result = {
        "device": torch.cuda.get_device_name() if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)",
        "model": dims,
        "train_tokens_per_s": {k: round(v, 1) for k, v in train_tps.items()},
        "gen_examples_per_s": {k: round(v, 1) for k, v in gen_eps.items()},
        "train_ratio": round(train_tps["ours"] / train_tps["hf"], 3),
        "gen_ratio": round(gen_eps["ours"] / gen_eps["hf"], 3),
        "gen_same_output": round(float(np.mean(agree)), 4),
        "matmul_gflops": round(peak, 1),
        "model_gemm_gflops": round(shaped, 1),
        "train_gflops": round(train_gflops, 1),
        "train_mfu": round(train_gflops / peak, 3),
        "train_mfu_gemm_only": round(shaped / peak, 3),
        "gen_gemm_ceiling_ratio": round(ceiling / gen_eps["hf"], 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if breakdown:
        result["train_step_time_share"] = {g: round(v, 3) for g, v in breakdown.items()}
    if device.type == "cuda":
        result["peak_gpu_mem_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    targets = TARGETS[device.type]
    for key, goal in targets.items():
        print(f"{key} = {result[key]:.3f} (target >= {goal}): {'met' if result[key] >= goal else 'NOT met'}")
    ceilings = {"gen_ratio": result["gen_gemm_ceiling_ratio"], "train_mfu": result["train_mfu_gemm_only"]}
    for key, bound in ceilings.items():
        if key in targets and bound < targets[key]:
            print(
                f"{key}: even with everything but the matrix products free, at most {bound:.3f} here: the target of {targets[key]} is beyond this machine at this model size"
            )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    sys.exit(main() and 0)
