"""The README's "What careerblog promises" table: every promise names tests that exist, and the counts
it states are the counts of this repository (so the table cannot drift from the tests)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

from brokensites import all_cases
from sitefiles import REPO

TESTS = REPO / "tests"


def _given_tests(module: Path) -> int:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    # Module-level tests only: a @given helper inside a test (one that samples a strategy) is no property test.
    return sum(1 for node in tree.body if isinstance(node, ast.FunctionDef)
               and any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "given" for d in node.decorator_list))


def _list_length(module: Path, name: str) -> int:
    spec = importlib.util.spec_from_file_location(f"promises_{module.stem}", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses look their module up while the class is made
    spec.loader.exec_module(loaded)
    return len(getattr(loaded, name))


def counts() -> dict[str, int]:
    cases = all_cases()
    return {
        "broken-site cases": len(cases),
        "error cases": sum(1 for c in cases if c.exit == 1),
        "property tests": sum(_given_tests(p) for p in TESTS.glob("test_*.py")),
        "write faults": _list_length(TESTS / "test_faults.py", "FAULTS"),
        "unreadable sources": _list_length(TESTS / "test_faults.py", "READ_FAULTS"),
        "deploy faults": _list_length(TESTS / "test_deploy_faults.py", "FAULTS"),
        "traversal probes": _list_length(TESTS / "test_serve_probes.py", "TRAVERSALS"),
    }


def _section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## What careerblog promises\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "README.md has no 'What careerblog promises' section"
    return match.group(1)


def test_the_readme_states_the_real_counts() -> None:
    section = _section()
    for what, number in counts().items():
        assert re.search(rf"\b{number} {re.escape(what)}\b", section), f"README should say '{number} {what}'"


def test_every_test_the_table_names_exists() -> None:
    section = _section()
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 8
    for path, function in named:
        module = REPO / path
        assert module.is_file(), path
        if function:
            assert re.search(rf"^def {function}\b", module.read_text(encoding="utf-8"), re.M), f"{path}::{function}"
    for promise in ("P1", "P2", "P3", "P4", "P5", "P6"):
        assert f"**{promise}" in section
