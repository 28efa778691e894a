"""docs/dedup.md: its examples run and validate, and every kind, action and route is documented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import schema_store
from runtime.dedup import KINDS

DOC = Path(__file__).resolve().parents[3] / "docs" / "dedup.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, re.S)


def test_the_python_examples_run():
    for source in blocks("python"):
        exec(source, {})  # noqa: S102 - our own docs


def test_the_metadata_example_validates():
    [doc] = [json.loads(b) for b in blocks("json")]
    assert schema_store.validate(doc) == []


def test_every_normalization_action_and_route_is_documented():
    schema = schema_store.document_schema.schema()
    rule = schema["properties"]["duplicates"]["additionalProperties"]["properties"]
    for name in [*KINDS, *rule["action"]["enum"], *rule, *rule["match"]["items"]["properties"]]:
        assert f"`{name}`" in TEXT, name
    for route in ("/api/v1/records/<object>/<id>/merge", "/api/v1/records/<object>/<id>/duplicates",
                  "/app/<object>/<id>/merge"):
        assert route in TEXT, route
