#!/usr/bin/env bash
# Run by Snakemake inside the new conda env: this workflow's package from its root (see cpu.post-deploy.sh),
# then flash-attn, which builds against the env's torch and CUDA.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/cpu.post-deploy.sh"
python -m pip install --no-build-isolation "flash-attn>=2.6" || echo "flash-attn did not build: attention falls back to SDPA"
