"""docs/metadata.md: every example runs, every section, field type, action and code is documented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schema_store import compile_app, validate
from schema_store.diagnostics import MESSAGES
from schema_store.document_schema import schema
from schema_store.field_types import FIELD_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "metadata.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = [(m.group(1).strip(), m.group(2), TEXT[:m.start()].count("\n") + 1)
          for m in re.finditer(r"```json([^\n]*)\n(.*?)```", TEXT, re.S)]
DOCUMENTS = [(body, line) for info, body, line in BLOCKS if info == "document"]


def test_there_are_complete_examples():
    assert len(DOCUMENTS) >= 14


@pytest.mark.parametrize("body,line", DOCUMENTS, ids=[f"line{line}" for _, line in DOCUMENTS])
def test_complete_examples_validate_and_compile(body, line):
    document = json.loads(body)
    assert [str(d) for d in validate(document)] == [], f"docs/metadata.md line {line}"
    compile_app(document, 1)


@pytest.mark.parametrize("body,line", [(b, n) for _, b, n in BLOCKS], ids=[f"line{n}" for _, _, n in BLOCKS])
def test_every_json_block_parses(body, line):
    json.loads(body)


def test_every_section_has_a_heading():
    for section in schema()["properties"]:
        if section != "$schema":
            assert f"`{section}`" in TEXT, section


def test_every_field_type_action_trigger_and_code_is_documented():
    defs = schema()["$defs"]
    names = (list(FIELD_TYPES) + defs["action"]["properties"]["type"]["enum"]
             + defs["trigger"]["properties"]["type"]["enum"] + defs["recipient"]["properties"]["kind"]["enum"]
             + defs["assignee"]["properties"]["kind"]["enum"] + defs["approver"]["properties"]["kind"]["enum"]
             + list(MESSAGES))
    missing = [n for n in names if f"`{n}`" not in TEXT]
    assert missing == []
