"""Dependencies point one way: expression <- schema_store <- runtime <- builder."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["expression", "schema_store", "runtime", "builder"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", ORDER)
def test_packages_only_import_packages_below_them(package):
    allowed = set(ORDER[: ORDER.index(package) + 1])
    forbidden = set(ORDER) - allowed
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = imports_of(path) & (forbidden | {"wsgi", "tests"})
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_layout_exists():
    for name in ["builder", "runtime", "schema_store", "expression", "templates", "starter_templates",
                 "tests", "benchmarks", "docs", "wsgi.py", "pyproject.toml", "README.md", ".ci/run"]:
        assert (ROOT / name).exists(), name
