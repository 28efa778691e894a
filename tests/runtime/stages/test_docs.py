"""The examples in docs/stages.md are valid: JSON parses, metadata snippets pass validation, and the
documented CLI options exist."""
from __future__ import annotations

import json
import re
from pathlib import Path

import schema_store
from runtime.stages.cli import tick

DOCS = Path(__file__).resolve().parents[3] / "docs" / "stages.md"


def blocks() -> list[str]:
    return re.findall(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def node_document(node: dict) -> dict:
    fields = {name: {"type": "text"} for name in ("name", "demo_confirmation")}
    fields["demo_confirmation"] = {"type": "file"}
    fields["samples_sent"] = {"type": "number"}
    return {"objects": {"deal": {"label": {"en": "Deal"}, "fields": fields, "pipeline": {"nodes": [
        {"key": "start", "label": {"en": "Start"}, "order": 1, **node},
        {"key": "sample", "label": {"en": "Sample"}, "order": 3}]}}}}


def test_the_metadata_examples_validate():
    refusal, node, sla = (json.loads(b) for b in blocks())
    assert refusal["error"]["code"] == "stage_requirements"
    node = {k: v for k, v in node.items() if k not in ("key", "label", "order")}
    assert schema_store.validate(node_document(node)) == []
    assert schema_store.validate(node_document(sla)) == []


def test_the_documented_tick_options_exist():
    text = DOCS.read_text(encoding="utf-8")
    options = {p.opts[0] for p in tick.params}
    for option in re.findall(r"crm tick (--[a-z]+)", text):
        assert option in options
