"""The generic editor's parsing of posted forms, on its own: what a browser posts becomes the JSON
the schema describes; what cannot be a value is kept as typed (so the schema's message shows it)."""
from __future__ import annotations

import copy

from werkzeug.datastructures import MultiDict

from builder.designer import logic_schema as ls
from builder.designer.logic_form import MISSING, EditorContext, apply_op, parse


def test_numbers_booleans_labels_and_empty_inputs():
    shape = ls.at("$defs", "rule")
    form = MultiDict([("v/key", "r1"), ("v/object", "lead"), ("v/active/@bool", "1"), ("v/label/zh-CN", " 规则 "),
                      ("v/label/en", ""), ("v/trigger/type", "schedule"), ("v/trigger/every_hours", "2.5"),
                      ("v/actions/0/@row", "1"), ("v/actions/0/type", "add_task"),
                      ("v/actions/0/due_hours", "1e999999"), ("v/actions/0/title/zh-CN", "跟进")])
    value = parse(shape, form, EditorContext())
    assert value == {"key": "r1", "object": "lead", "label": {"zh-CN": "规则"}, "active": False,
                     "trigger": {"type": "schedule", "every_hours": 2.5},
                     "actions": [{"type": "add_task", "title": {"zh-CN": "跟进"}, "due_hours": "1e999999"}]}
    form["v/active"] = "1"                               # checked = the default (true): not written
    assert "active" not in parse(shape, form, EditorContext())
    assert parse(shape, MultiDict(), EditorContext()) is MISSING


def test_row_operations_ignore_what_does_not_exist():
    shape = ls.at("$defs", "rule")
    value = {"actions": [{"type": "notify"}, {"type": "webhook"}]}
    assert apply_op(value, "down:actions/0", shape)["actions"] == [{"type": "webhook"}, {"type": "notify"}]
    assert apply_op(value, "up:actions/0", shape)["actions"] == [{"type": "webhook"}, {"type": "notify"}]
    assert apply_op(value, "remove:actions/7", shape)["actions"] == [{"type": "webhook"}, {"type": "notify"}]
    assert apply_op(value, "add:actions", shape, "set_field")["actions"][-1] == {"type": "set_field"}
    assert apply_op(value, "add:actions", shape, "no_such_type")["actions"][-1] == {"type": "set_field"}
    before = copy.deepcopy(value)
    assert apply_op(value, "add:nothing/here/5", shape) == before
    assert apply_op(value, "add:key", shape) == before
    assert apply_op(value, "explode:actions/0", shape) == before
    assert apply_op(value, "remove:actions", shape) == before
