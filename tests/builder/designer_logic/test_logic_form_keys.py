"""The generic editor's small extensions for the reports / permissions / calendar editors, on their
own: a map whose schema node says what its keys name (``"x-keys"``) offers them as a select and edits
each object's entry on that object; an array of integers with choices is a group of checkboxes
posting numbers; a boolean the document writes stays written."""
from __future__ import annotations

import copy

from werkzeug.datastructures import MultiDict

from builder.designer import logic_schema as ls
from builder.designer.logic_form import EditorContext, build, parse
from builder.designer.logic_sections import CALENDAR, SECTIONS

CHOICES = {"object": [("lead", "Lead")], "field": [("phone", "Phone")],
           "workdays": [(str(i), f"day {i}") for i in range(1, 8)]}


def context(object_name: str = "") -> EditorContext:
    return EditorContext(object_name=object_name, refs=lambda prop, _path: CHOICES.get(prop),
                         on_object=context)


def test_permission_keys_are_objects_and_their_field_keys_that_objects_fields():
    shape = SECTIONS["permissions"].shape()
    root = build(shape, {"lead": {"read": True, "fields": {"phone": "hidden"}}, "gone": {}}, context())
    assert root.kind == "map" and root.key_select
    assert root.options == [("lead", "Lead"), ("gone", "gone (?)")]          # an unknown key stays, marked
    entry = root.children[0]
    scope_when = next(w for w in entry.walk() if w.path == "lead/scope_when")
    assert scope_when.object == "lead"                                      # checked on its object
    fields = next(w for w in entry.walk() if w.path == "lead/fields")
    assert fields.key_select and fields.options == [("phone", "Phone")]
    assert root.children[-1].key == "" and root.children[-1].children[0].object == ""    # the new row


def test_a_weekday_group_posts_numbers_and_keeps_what_is_not_one():
    shape = CALENDAR.shape()
    root = build(shape, {"workdays": [1, 9]}, context())
    workdays = next(w for w in root.walk() if w.path == "workdays")
    assert workdays.kind == "multi" and workdays.value == ["1", "9"] and ("9", "9 (?)") in workdays.options
    form = MultiDict([("v/workdays/@multi", "1"), ("v/workdays", "1"), ("v/workdays", "5"), ("v/workdays", "x")])
    assert parse(shape, form, context()) == {"workdays": [1, 5, "x"]}


def test_a_written_boolean_stays_written():
    shape = SECTIONS["permissions"].shape()
    value = {"lead": {"create": False, "read": True}}
    root = build(shape, copy.deepcopy(value), context())
    create = next(w for w in root.walk() if w.path == "lead/create")
    assert create.kind == "checkbox" and create.present and create.value is False
    form = MultiDict([("v/@0/@key", "lead"), ("v/@0/@v/create/@bool", "kept"), ("v/@0/@v/read/@bool", "kept"),
                      ("v/@0/@v/read", "1"), ("v/@0/@v/delete/@bool", "1")])
    assert parse(shape, form, context()) == value                           # delete: absent, not written
    assert ls.at("calendar").kind == ls.OBJECT
