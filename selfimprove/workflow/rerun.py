"""What re-runs a job (docs/workflow.md, "When jobs re-run"): its params, its input files, its
software environment, and the text of its script.

Snakemake's own `code` trigger compares a script's modification time with the outputs', so a fresh
`git checkout` (every file new) or a `touch` re-runs every rule, while an edit made before a job
finished re-runs nothing. profiles/default turns that trigger off; instead every script rule gets
the digest of its script's text as a param (`params` trigger), so an edit re-runs exactly the rules
that run the edited script, whatever the files' times.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from selfimprove.workflow.job import SCRIPT_DIGEST


def script_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def script_path(rule) -> Path:
    """The file a `script:` rule runs (its path is relative to the rule's own .smk file)."""
    return Path(rule.snakefile).parent / str(rule.script)


def add_script_digests(rules) -> None:
    """Give every script rule the param SCRIPT_DIGEST (selfimprove.workflow.job.rule_params drops it again)."""
    for rule in rules:
        if rule.is_script and SCRIPT_DIGEST not in rule.params.keys():
            rule.set_params(**{SCRIPT_DIGEST: script_digest(script_path(rule))})
