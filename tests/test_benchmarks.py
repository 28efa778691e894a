"""Every benchmark module imports and exposes ``run(report)`` (benchmarks are not run by the tests)."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import available


@pytest.mark.parametrize("name", available())
def test_each_benchmark_module_loads(name):
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.run)
    # imports inside functions run only when the benchmark does: check that their names exist too
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in (
                "benchmarks", "runtime", "schema_store", "expression", "builder"):
            source = importlib.import_module(node.module)
            for alias in node.names:
                submodule = hasattr(source, "__path__") and importlib.util.find_spec(
                    f"{node.module}.{alias.name}") is not None
                assert hasattr(source, alias.name) or submodule, f"{name}: {node.module}.{alias.name} is missing"


def test_an_unknown_benchmark_lists_the_known_ones():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert all(name in result.stderr for name in available())
    assert set(available()) >= {"expressions", "publish", "records", "sla", "automation", "pages", "packs"}


def test_the_import_benchmark_file_has_one_duplicate_in_ten(tmp_path):
    """``python -m benchmarks import``: the generated CSV repeats an earlier lead's mobile or email
    (written differently) in about 10 % of its rows, and says how many."""
    import csv

    from benchmarks.__main__ import ALIASES
    from benchmarks.imports import write_csv
    from runtime.dedup import normalize
    assert ALIASES["import"] == "imports"
    path = tmp_path / "leads.csv"
    reported = write_csv(path, 2000)
    seen, repeated = set(), 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            keys = {("phone", normalize("phone", row["手机"])), ("email", normalize("email", row["邮箱"]))}
            keys = {k for k in keys if k[1]}
            repeated += bool(keys & seen)
            seen |= keys
    assert repeated == reported and 150 <= reported <= 250
