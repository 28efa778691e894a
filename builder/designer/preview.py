"""The form preview: the draft's objects compiled into an AppSchema by schema_store and rendered
by the runtime's own form code (runtime.ui.forms.build_form and the ``runtime/_form_fields.html``
macro the record form uses), so the preview and the real form cannot drift apart."""
from __future__ import annotations

import copy
from typing import Any

from flask_login import current_user
from markupsafe import Markup

import schema_store
from builder.designer.layout_form import set_form_layout
from runtime.i18n import current_language, pick_label
from runtime.records.evaluation import context
from runtime.services import services
from runtime.ui.forms import build_form, field_states, section_states
from runtime.ui.views_record import render_form
from schema_store.publish import app_timezone

MAX_PROBLEMS = 5


def with_form_layout(document: dict[str, Any], object_name: str, sections: list[dict[str, Any]] | None
                     ) -> dict[str, Any]:
    """A copy of ``document`` whose object has the form ``sections`` (None: the default layout)."""
    document = copy.deepcopy(document)
    set_form_layout(document["objects"][object_name], sections)
    return document


def compile_objects(document: dict[str, Any]) -> tuple[schema_store.AppSchema | None, list[dict[str, Any]]]:
    """The draft's objects (and calendar) compiled, or the problems that prevent it. Rules, forms
    and the other sections are left out: a half-written rule must not stop a form preview."""
    part = {"objects": document.get("objects") or {}}
    if "calendar" in document:
        part["calendar"] = document["calendar"]
    try:
        return schema_store.compile_app(part, 0), []
    except schema_store.SchemaInvalid as exc:
        return None, exc.to_dicts(current_language())[:MAX_PROBLEMS]


def render_preview(app: schema_store.AppSchema, object_name: str) -> Markup:
    """The create form of ``object_name`` as ``/app/<object>/new`` shows it to someone who may edit
    every field (defaults are applied on save, as there)."""
    obj = app.objects[object_name]
    tz = app_timezone(app)
    actor = current_user._get_current_object()  # type: ignore[attr-defined]
    now = services().clock.now()
    ctx = context({}, actor=actor, now=now, tz=tz, is_new=True)
    form = build_form(obj, {}, {}, states=field_states(obj, {}, ctx, lambda _name: True),
                      sections_visible=section_states(obj, app.expression, ctx),
                      can_see=lambda _name: True, label=pick_label)
    return render_form(form)
