"""docs/imports.md: its example runs against the import test app."""
from __future__ import annotations

import re
from pathlib import Path

from tests.runtime.imports.app_doc import publish

IMPORTS_MD = Path(__file__).resolve().parents[3] / "docs" / "imports.md"


def test_the_example_in_docs_imports_md_runs(make_app):
    (block,) = re.findall(r"```python\n(.*?)```", IMPORTS_MD.read_text(encoding="utf-8"), re.S)
    app = make_app()
    publish(app)
    exec(compile(block, str(IMPORTS_MD), "exec"), {"app": app, "__name__": "docs_imports_md"})  # noqa: S102


def test_every_error_code_of_a_file_is_documented():
    from runtime.imports import readers, storage
    text = IMPORTS_MD.read_text(encoding="utf-8")
    sources = Path(readers.__file__).read_text(encoding="utf-8") + Path(storage.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'FileProblem\("([a-z_]+)"', sources))
    assert codes and {c for c in codes if f"`{c}`" not in text} == set()
