"""expression/ imports nothing of ours: only the standard library, lark and SQLAlchemy."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "expression"
ALLOWED_THIRD_PARTY = {"lark", "sqlalchemy"}


def test_expression_imports_only_stdlib_lark_and_sqlalchemy() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top == "expression" or top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names \
                    or top == "__future__", f"{path.name} imports {name}"


def test_every_module_uses_future_annotations_and_stays_readable() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "from __future__ import annotations" in text, path.name
        assert len(text.splitlines()) < 450, f"{path.name} is too long to read in one sitting"
