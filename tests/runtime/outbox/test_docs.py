"""docs/jobs.md: its examples run, and every registered action and job kind is documented."""
from __future__ import annotations

import re
from pathlib import Path

from runtime.jobs import JOB_KINDS
from runtime.outbox import ACTIONS

DOCS = Path(__file__).resolve().parents[3] / "docs"
JOBS_MD = DOCS / "jobs.md"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_examples_in_docs_jobs_md_run(make_app):
    blocks = python_blocks(JOBS_MD)
    assert len(blocks) == 2
    namespace = {"app": make_app(), "__name__": "docs_jobs_md"}
    for block in blocks:
        exec(compile(block, str(JOBS_MD), "exec"), namespace)  # noqa: S102 - our own docs


def test_every_registered_action_and_job_kind_is_documented():
    docs = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    names = [a.name for a in ACTIONS] + [k.name for k in JOB_KINDS]
    missing = [n for n in names if not n.startswith("test.") and f"`{n}`" not in docs
               and f'"{n}"' not in docs]
    assert missing == []
