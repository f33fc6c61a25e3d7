"""Checking an experiment config against config/schema.yaml with messages a user can act on.

Every error names the offending key as a dotted path and says what is allowed there, e.g.
``config key 'train.base_round.steps': -5 is less than the minimum of 1 (optimizer steps)``.
"""

from __future__ import annotations

import copy
import functools

import jsonschema
import yaml


class ConfigError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(f"config key '{key}': {message}")
        self.key, self.message = key, message


def _node(schema: dict, path) -> dict:
    """The schema node describing the config value at `path` (its own description, before any $ref)."""
    node = schema
    for key in path:
        if "$ref" in node and "properties" not in node:
            node = {**schema["$defs"][node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        node = node.get("items", {}) if isinstance(key, int) else node.get("properties", {}).get(key, {})
    return node


def _explain(error: jsonschema.ValidationError, schema: dict) -> ConfigError:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        key = ".".join(filter(None, [path, unknown[0]]))
        return ConfigError(key, f"unknown key; allowed keys here: {', '.join(known)}")
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return ConfigError(".".join(filter(None, [path, missing])), "is required and missing")
    # An enum's message already lists what is allowed; otherwise add the key's description.
    described = "" if error.validator == "enum" else {**error.schema, **_node(schema, error.absolute_path)}.get("description", "")
    return ConfigError(path or "(top level)", error.message + (f" ({str(described).strip()})" if described else ""))


@functools.cache
def _validator_class(schema_path: str):
    """A Draft 2020-12 validator of the schema that also fills in each missing property's default as it
    descends (what snakemake.utils.validate does with set_default), loaded once per process."""
    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    base = jsonschema.Draft202012Validator
    validate_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, node):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, properties, instance, node)

    return jsonschema.validators.extend(base, {"properties": properties_with_defaults}), schema


def check_schema(config: dict, schema_path, fill_defaults: bool = False) -> None:
    """Raise ConfigError for the most relevant violation of the schema, if any. With `fill_defaults`, the
    same single pass also sets every optional key the config leaves out to the schema's default."""
    cls, schema = _validator_class(str(schema_path))
    validator = cls(schema) if fill_defaults else jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise _explain(error, schema)
