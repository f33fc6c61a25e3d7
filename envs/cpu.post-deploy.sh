#!/usr/bin/env bash
# Run by Snakemake inside the new conda env: install this workflow's package (no dependencies: the env file
# pins them) from the workflow's root, found from this script's own place (envs/..), whatever copy of the
# env file conda read.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$root/pyproject.toml" ]; then root="$PWD"; fi  # a cached copy of this script: the working directory
python -m pip install --no-deps --no-build-isolation -e "$root"
