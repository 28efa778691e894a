"""``python -m benchmarks publish``: validate + compile + migrate a 40-object, 800-field app.

Figures, on SQLite and PostgreSQL (a throwaway schema of DATABASE_URL or the local test server):
publishing the whole app into an empty database (memos cleared first: a document the process has
never seen), then publishing a one-field change to it (as a running server would: the live version
cached, unchanged objects already checked); and the per-request cost of ``SchemaCache.get``
(live-version read + dict lookup) and of the cached lookup alone.
"""
from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from benchmarks.harness import Report, pg_schema
from schema_store import SchemaCache, create_engine, publish, validate
from schema_store.compile import compile_app
from schema_store.semantic import clear_memos

OBJECTS = 40
FIELDS_PER_OBJECT = 20


def label(text: str) -> dict[str, str]:
    return {"en": text.replace("_", " ").title(), "zh-CN": text}


def big_document(objects: int = OBJECTS, fields: int = FIELDS_PER_OBJECT) -> dict[str, Any]:
    """An app shaped like a real one: lookups to earlier objects, picklists, formulas, rules."""
    doc: dict[str, Any] = {"objects": {}, "rules": []}
    kinds = ["text", "number", "currency", "picklist", "date", "boolean", "email", "phone", "datetime",
             "textarea", "percent", "multi_picklist", "url", "user", "text", "number"]
    for i in range(objects):
        name = f"obj{i:02d}"
        fdefs: dict[str, Any] = {"title": {"type": "text", "label": label("title"), "required": True}}
        if i:
            fdefs["parent"] = {"type": "lookup", "target": f"obj{i - 1:02d}", "label": label("parent")}
        n = 0
        while len(fdefs) < fields - 3:
            kind = kinds[n % len(kinds)]
            fname = f"f{n:02d}_{kind}"
            f: dict[str, Any] = {"type": kind, "label": label(fname)}
            if kind in ("picklist", "multi_picklist"):
                f["options"] = [{"value": v, "label": label(v)} for v in ("a", "b", "c", "d")]
            if kind == "number" and n % 3 == 0:
                f["visible_when"] = "f00_text <> \"\""
            if kind == "currency":
                f["required_when"] = "f01_number > 10"
                f["default"] = 0
            fdefs[fname] = f
            n += 1
        fdefs["total"] = {"type": "formula", "expression": "f02_currency * 2 + f01_number", "label": label("total")}
        fdefs["flag"] = {"type": "formula", "expression": "IF(total > 100, \"big\", \"small\")", "label": label("flag")}
        fdefs["age_days"] = {"type": "formula", "expression": "DAYS($today, f04_date)", "label": label("age")}
        doc["objects"][name] = {
            "label": label(name), "title_field": "title", "fields": fdefs,
            "validations": [{"key": "positive", "error_when": "f02_currency < 0", "message": label("negative"),
                             "field": "f02_currency"}],
            "pipeline": {"initial": "new", "nodes": [
                {"key": "new", "label": label("new"), "order": 1, "allowed_next": ["working"]},
                {"key": "working", "label": label("working"), "order": 2, "requires": ["f00_text"],
                 "allowed_next": ["done"], "sla": {"hours": 72, "levels": [{"name": "yellow", "at": 0.5},
                                                                            {"name": "red", "at": 1}]}},
                {"key": "done", "label": label("done"), "order": 3, "outcome": "won"}]},
            "layouts": {"list": {"columns": ["title", "f00_text", "created_at"]}},
        }
        doc["rules"].append({"key": f"rule_{name}", "object": name, "trigger": {"type": "stage_entered",
                                                                              "stage": "working"},
                             "when": "f01_number > 5", "actions": [
                                 {"type": "set_field", "field": "f00_text", "value": "title & \"!\""},
                                 {"type": "notify", "to": [{"kind": "owner"}], "message": label("{title} moved")}]})
    return doc


def count_fields(doc: dict[str, Any]) -> int:
    return sum(len(o["fields"]) for o in doc["objects"].values())


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _per_call(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def _bench_database(report: Report, name: str, engine: sa.Engine, doc: dict[str, Any]) -> None:
    changed = copy.deepcopy(doc)
    changed["objects"]["obj20"]["fields"]["added_note"] = {"type": "text", "label": label("added note")}
    clear_memos()  # a document this process has never checked
    full = _timed(lambda: publish(engine, doc, actor_id=1))
    report.add(f"{name}: publish 40 objects / {count_fields(doc)} fields from empty", full, "s", target="< 3 s")
    cache = SchemaCache()
    with engine.connect() as conn:
        cache.get(conn)  # the live version compiled once, as a running process would have it
    one = _timed(lambda: publish(engine, changed, actor_id=1, cache=cache))
    report.add(f"{name}: publish a one-field change", one, "s", target="< 0.5 s")
    again = copy.deepcopy(changed)
    again["objects"]["obj30"]["fields"]["other_note"] = {"type": "text", "label": label("other note")}
    clear_memos()
    cold = _timed(lambda: publish(engine, again, actor_id=1))
    report.add(f"{name}: the same in a fresh process (nothing memoized, live version not cached)", cold, "s")
    with engine.connect() as conn:
        cache.get(conn)
        per_request = _per_call(lambda: cache.get(conn), 2000)
        version = cache.get(conn).version
    report.add(f"{name}: SchemaCache.get per request (live-version read + lookup)", per_request * 1e6, "µs")
    lookup = _per_call(lambda: cache.peek(version), 200_000)
    report.add(f"{name}: cached AppSchema lookup by version", lookup * 1e6, "µs", target="< 20 µs")


def run(report: Report) -> None:
    doc = big_document()
    report.note(f"document: {len(doc['objects'])} objects, {count_fields(doc)} fields, {len(doc['rules'])} rules")
    report.add("validate, first in the process (builds validators and parser)", _timed(lambda: validate(doc)), "s")
    clear_memos()
    report.add("validate a new document (JSON Schema + semantics)", _timed(lambda: validate(doc)), "s")
    clear_memos()
    report.add("compile a new document to AppSchema", _timed(lambda: compile_app(doc, 1)), "s")
    report.add("compile it again (per-object checks and expressions memoized)",
               _timed(lambda: compile_app(doc, 1)), "s")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            _bench_database(report, "SQLite", engine, doc)
        finally:
            engine.dispose()
    with pg_schema(report) as pg:
        if pg is not None:
            engine = create_engine(pg.url)
            try:
                _bench_database(report, "PostgreSQL", engine, doc)
            finally:
                engine.dispose()
