"""How a run's config is assembled from its layers, as Snakemake and rules/common.smk do it:

    config/config.yaml  <  the preset's bases (`extends:`, e.g. config/bases/paper.yaml)  <  the preset
    (--configfile)  <  --config key=value  ,  then the scale (`--config scale=smoke`), then the schema's defaults.

config/config.yaml (the quickstart, which Snakemake always loads) holds the defaults of the required keys and
config/schema.yaml those of the optional ones; no key has a default in both. A preset names its base with
`extends: <file>` (a path from the workflow's directory, like every path in a config) and holds only what
makes it that experiment. `resolve` gives the finished config of a preset without running Snakemake.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from selfimprove.workflow.config_check import ConfigError
from selfimprove.workflow.scales import apply_scale, merge

ROOT = Path(__file__).resolve().parents[2]


def load(path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh) or {}


def base_layers(config: dict, directory: Path, seen=()) -> list[dict]:
    """The chain of `extends:` files under `config`, the furthest base first."""
    name = config.get("extends")
    if not name:
        return []
    path = (Path(directory) / name).resolve()
    if not path.is_relative_to(Path(directory).resolve()):
        raise ConfigError("extends", f"{name} is outside the workflow directory")
    if not path.exists():
        raise ConfigError("extends", f"no base config {path}")
    if path in seen:
        raise ConfigError("extends", f"{path} extends itself")
    layer = load(path)
    return [*base_layers(layer, directory, (*seen, path)), layer]


def apply_bases(config: dict, defaults: dict, overrides: dict, directory: Path) -> None:
    """Put the bases the user's layers (`overrides`: the preset and --config) extend between them and the
    workflow's own config file (`defaults`), in place. A no-op without `extends`."""
    bases = base_layers(overrides, directory)
    if not bases:
        return
    merged = defaults
    for layer in [*bases, overrides]:
        merged = merge(merged, layer)
    merged.pop("extends", None)
    # A scale that tests a claim (its `claim:`, e.g. `replicate`) belongs to the preset that writes it: a preset
    # extending that one inherits it only by writing a scale of the same name (which then merges over it).
    own = (overrides.get("scales") or {}).keys()
    for name in [n for n, scale in (merged.get("scales") or {}).items() if "claim" in scale and n not in own]:
        del merged["scales"][name]
    config.clear()
    config.update(merged)


def assemble(config: dict, defaults: dict, overrides: dict, directory: Path) -> None:
    """The run's config from its layers, in place: the bases, then the scale. An arm of a self-improvement
    sweep (`arm`, rules/arms/) gets its config already assembled, so nothing is merged twice."""
    if config.get("arm"):
        return
    apply_bases(config, defaults, overrides, directory)
    apply_scale(config)  # --config scale=smoke merges the config's `scales: {smoke: ...}` in


def resolve(preset=None, overrides: dict | None = None, root: Path = ROOT) -> dict:
    """The config `snakemake --configfile <preset> --config <overrides>` runs with, defaults filled in."""
    from selfimprove.workflow.config_check import check_schema

    defaults = load(root / "config" / "config.yaml")
    layers = merge(load(preset) if preset else {}, overrides or {})
    config = merge(defaults, layers)
    assemble(config, defaults, layers, root)
    schema = root / "config" / "schema.yaml"
    check_schema(config, schema, fill_defaults=True)
    return config


def main(argv=None) -> None:
    """python -m selfimprove.workflow.presets PRESET [key=value ...]: the config a run of PRESET sees, as YAML."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("preset", nargs="?", help="a --configfile (default: config/config.yaml alone)")
    parser.add_argument("overrides", nargs="*", help="--config key=value pairs, e.g. scale=smoke (values parsed as YAML)")
    args = parser.parse_args(argv)
    overrides = {}
    for pair in args.overrides:
        key, _, value = pair.partition("=")
        overrides[key] = yaml.safe_load(value)
    config = resolve(args.preset, overrides)
    config.pop("scales", None)
    print(yaml.safe_dump(config, sort_keys=False), end="")


if __name__ == "__main__":
    main()
