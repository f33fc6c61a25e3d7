#!/usr/bin/env bash
# The prepared GPU check: one command on one H100/H200, under 8 minutes, one JSON line on stdout.
#   bash benchmarks/gpu_check.sh            (logs under $OUT, or a temporary directory)
# 1. the CUDA tests (tests/test_cuda.py: bf16 packed loss against fp32, flash-attn varlen against SDPA when
#    flash_attn imports, the compiled MLP path), with SELFIMPROVE_REQUIRE_CUDA=1 so that none is skipped
#    for want of a GPU;
# 2. benchmarks/throughput.py --model paper --device cuda (our engine against Hugging Face, with MFU);
# 3. a two-round paper-size experiment through Snakemake (benchmarks/configs/gpu_check.yaml, device: cuda).
# Without CUDA it says so and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo '{"cuda": false, "note": "torch sees no CUDA device; nothing was checked"}'
    exit 0
fi
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
start=$(date +%s)
SELFIMPROVE_REQUIRE_CUDA=1 timeout 180 "$PY" -m pytest -q tests/test_cuda.py > "$OUT/cuda_tests.log" 2>&1
tests_rc=$?
timeout 240 "$PY" benchmarks/throughput.py --model paper --device cuda --quick > "$OUT/throughput.log" 2>&1
throughput_rc=$?
rm -rf results/gpu_check
wf_start=$(date +%s)
timeout 240 "$(dirname "$PY")/snakemake" --cores all --configfile benchmarks/configs/gpu_check.yaml > "$OUT/workflow.log" 2>&1 \
    || timeout 240 snakemake --cores all --configfile benchmarks/configs/gpu_check.yaml > "$OUT/workflow.log" 2>&1
workflow_rc=$?
end=$(date +%s)
"$PY" - "$OUT" "$tests_rc" "$throughput_rc" "$workflow_rc" "$((end - start))" "$((end - wf_start))" <<'PYEOF'
import json, re, sys
from pathlib import Path
out, tests_rc, thr_rc, wf_rc, total_s, wf_s = Path(sys.argv[1]), *map(int, sys.argv[2:])
import torch
tail = (out / "cuda_tests.log").read_text().strip().splitlines()[-1:] or [""]
throughput = None
for line in reversed((out / "throughput.log").read_text().splitlines()):
    if line.startswith("{"):
        throughput = json.loads(line)
        break
accuracy = None
summary = Path("results/gpu_check/summary/accuracy.parquet")
if summary.exists():
    import pandas as pd
    acc = pd.read_parquet(summary)
    accuracy = {int(r): {int(d): round(float(a), 4) for d, a in g.groupby("difficulty")["accuracy"].mean().items()} for r, g in acc.groupby("round")}
print(json.dumps({
    "cuda": True, "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
    "cuda_tests": {"rc": tests_rc, "summary": tail[0]},
    "throughput": {"rc": thr_rc, "result": throughput},
    "workflow": {"rc": wf_rc, "seconds": wf_s, "accuracy_by_round_and_difficulty": accuracy},
    "total_seconds": total_s, "logs": str(out),
}))
PYEOF
