"""Named scales of one experiment: `snakemake --configfile X.yaml --config scale=smoke`.

A config may define `scales: {smoke: {...}, ...}`, each a partial config merged over the rest
(nested keys merge, lists and values replace; `sweep` and `figures` are replaced whole). The chosen scale also suffixes the experiment
name, so a smoke run never shares results/ with the full one.
"""

from __future__ import annotations


def merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def apply_scale(config: dict) -> None:
    """Merge config['scales'][config['scale']] into `config` in place (no-op without `scale`)."""
    scale = config.get("scale")
    if scale in (None, "", "full"):
        return
    scales = config.get("scales") or {}
    if scale not in scales:
        have = ", ".join(["full", *scales]) if scales else "only 'full' (this config defines no scales)"
        raise ValueError(f"config key 'scale': unknown scale {scale!r}; available: {have}")
    merged = merge(config, scales[scale])
    for key in ("sweep", "figures"):  # a scale's own variants and figures replace the full scale's, never merge
        if key in scales[scale]:
            merged[key] = scales[scale][key]
    if "experiment" not in scales[scale]:
        merged["experiment"] = f"{config.get('experiment', 'experiment')}_{scale}"
    config.clear()
    config.update(merged)
