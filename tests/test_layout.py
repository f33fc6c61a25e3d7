"""The layout's rules, checked: no experiment family imports another's internals (what two share lives in
engine/, tasks/, interop/ or workflow/, which import no family), and no function grows past about 60 lines."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "selfimprove"
FAMILIES = ("rounds", "sweep", "introspection")
SHARED = ("engine", "interop", "tasks", "workflow", "claims")  # claims reads summary tables: it imports no family


def imported_packages(path: Path) -> set[str]:
    """The selfimprove subpackages a module imports (at any depth: lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        found |= {n.split(".")[1] for n in names if n.startswith("selfimprove.") and n.count(".") >= 1}
    return found


@pytest.mark.parametrize("package", FAMILIES + SHARED)
def test_imports_respect_the_layout(package):
    allowed = set(SHARED) | ({package} if package in FAMILIES else set())
    for path in sorted((PACKAGE / package).rglob("*.py")):
        wrong = imported_packages(path) - allowed
        assert not wrong, f"{path.relative_to(ROOT)} imports selfimprove.{', selfimprove.'.join(sorted(wrong))}"


def test_no_function_is_longer_than_about_60_lines():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.relative_to(ROOT)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_common_rules_hold_only_what_every_family_shares():
    assert len((ROOT / "rules" / "common.smk").read_text().splitlines()) < 150
    for family in FAMILIES:
        assert {"plan.smk", "paths.smk"} <= {p.name for p in (ROOT / "rules" / family).glob("*.smk")}


def test_no_stage_function_takes_more_than_about_8_parameters():
    """A workflow stage takes paths, the rule's Job (or Setup) and small settings groups, not a long list of knobs."""
    wide = []
    for path in sorted(PACKAGE.rglob("*stages.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                a = node.args
                count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
                if count > 9:
                    wide.append(f"{path.relative_to(ROOT)}:{node.name} ({count})")
    assert not wide, wide
