"""The designer's home (draft status, objects, discard) and the object pages: create with an API
name and bilingual labels, relabel, archive (removed from the draft; publishing archives its
records), and the field list with reordering."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import schema_store
from builder.designer import bp, drafting
from builder.designer.draft_access import (api_name_problem, fields, label_text, live_document, live_newer_than,
                                           local_time, move_key, object_for_change, object_or_404, objects,
                                           objects_for_change)
from builder.designer.field_form import label_inputs
from builder.designer.field_types import type_choices
from builder.designer.saving import Refused, apply, conflict_message, label_from, posted_revision
from runtime.i18n import current_language
from runtime.services import services
from runtime.users import get_actor


def _saved_by(draft: schema_store.Draft) -> str:
    if draft.updated_by is None:
        return ""
    with services().engine.connect() as conn:
        actor = get_actor(conn, draft.updated_by)
    return actor.label if actor else f"#{draft.updated_by}"


@bp.get("")
@drafting.designer_required
def home(errors: dict[str, str] | None = None, status: int = 200):
    draft = drafting.current()
    live = live_document()
    live_objects = objects(live or {})
    rows = []
    for name, obj in objects(draft.document).items():
        if not isinstance(obj, dict):
            continue
        pipeline = obj.get("pipeline") if isinstance(obj.get("pipeline"), dict) else {}
        state = "new" if name not in live_objects else ("changed" if live_objects[name] != obj else "")
        rows.append({"name": name, "label": label_text(obj.get("label"), name), "labels": obj.get("label") or {},
                     "fields": len(fields(obj)), "state": state,
                     "nodes": len(pipeline.get("nodes") or []) if isinstance(pipeline.get("nodes"), list) else 0})
    removed = [n for n in live_objects if n not in objects(draft.document)]
    problems = schema_store.validate(draft.document)
    values = request.form if errors else {}
    return render_template("builder/home.html", draft=draft, saved_by=_saved_by(draft), rows=rows,
                           saved_at=local_time(draft.updated_at), newer=live_newer_than(draft),
                           removed=removed, problems=len(problems), changed=draft.revision > 0 and
                           draft.document != (live or {"objects": {}}), errors=errors or {},
                           values=values, lang=current_language()), status


@bp.post("/objects")
@drafting.designer_required
def create_object():
    name = (request.form.get("name") or "").strip()
    label = label_from(request.form, "label")

    def mutate(document: dict[str, Any]) -> None:
        errors = {}
        problem = api_name_problem(name, objects_for_change(document), object_name=True)
        if problem:
            errors["name"] = problem
        if not label:
            errors["label_zh"] = _("Give the object a label (Chinese, English or both).")
        if errors:
            raise Refused(errors)
        document["objects"][name] = {"label": label, "fields": {}}

    return apply(mutate, url_for("designer.object_page", name=name),
                 lambda errors, status: home(errors, status), message=_("Object created in the draft."))


@bp.post("/discard")
@drafting.designer_required
def discard_draft():
    revision = posted_revision()
    try:
        drafting.discard(revision if revision is not None else -1)
    except schema_store.DraftConflict as exc:
        flash(conflict_message(exc.current), "error")
        return home({}, 409)
    flash(_("The draft was discarded; the designer shows the live version again."), "success")
    return redirect(url_for("designer.home"))


@bp.get("/objects/<name>")
@drafting.designer_required
def object_page(name: str, errors: dict[str, str] | None = None, status: int = 200):
    draft = drafting.current()
    obj = object_or_404(draft.document, name)
    values = request.form.to_dict() if errors is not None and request.method == "POST" else {
        **label_inputs(obj.get("label"), "label"), **label_inputs(obj.get("plural_label"), "plural"),
        "title_field": obj.get("title_field") or ""}
    live_fields = fields(objects(live_document() or {}).get(name) or {})
    types = dict(type_choices())
    rows = [{"name": n, "label": label_text(f.get("label"), n), "type": types.get(f.get("type"), f.get("type", "")),
             "required": "always" if f.get("required") else ("when" if f.get("required_when") else ""),
             "new": n not in live_fields}
            for n, f in fields(obj).items()]
    removed = [n for n in live_fields if n not in fields(obj)]
    return render_template("builder/object.html", draft=draft, name=name, obj=obj,
                           label=label_text(obj.get("label"), name), rows=rows, removed=removed,
                           choices=[(r["name"], f'{r["label"]} ({r["name"]})') for r in rows],
                           values=values, errors=errors or {}), status


@bp.post("/objects/<name>/labels")
@drafting.designer_required
def relabel_object(name: str):
    label = label_from(request.form, "label")
    plural = label_from(request.form, "plural")
    title_field = (request.form.get("title_field") or "").strip()

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        if not label:
            raise Refused({"label_zh": _("Give the object a label (Chinese, English or both).")})
        if title_field and title_field not in fields(obj):
            raise Refused({"title_field": _("Choose one of the object's fields.")})
        obj["label"] = label
        for key, value in (("plural_label", plural), ("title_field", title_field or None)):
            if value:
                obj[key] = value
            else:
                obj.pop(key, None)

    return apply(mutate, url_for("designer.object_page", name=name),
                 lambda errors, status: object_page(name, errors, status))


@bp.post("/objects/<name>/archive")
@drafting.designer_required
def archive_object(name: str):
    def mutate(document: dict[str, Any]) -> None:
        object_for_change(document, name)
        del document["objects"][name]

    return apply(mutate, url_for("designer.home"), lambda errors, status: object_page(name, errors, status),
                 message=_("The object was removed from the draft. Publishing archives its records "
                           "(they can be restored); nothing is deleted before you publish."))


@bp.post("/objects/<name>/fields/<field>/move")
@drafting.designer_required
def move_field(name: str, field: str):
    delta = {"up": -1, "down": 1, "top": -10_000, "bottom": 10_000}.get(request.form.get("direction", ""))
    if delta is None:
        abort(400)

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        if field not in fields(obj):
            raise Refused({"field": _("The field '%(name)s' is no longer in the draft.", name=field)})
        obj["fields"] = move_key(obj["fields"], field, delta)

    return apply(mutate, url_for("designer.object_page", name=name) + f"#field-{field}",
                 lambda errors, status: object_page(name, errors, status), message=_("Field order saved."))


@bp.post("/objects/<name>/restore")
@drafting.designer_required
def restore_object(name: str):
    """Undo an archive before publishing: the live definition of the object comes back."""
    live = objects(live_document() or {}).get(name)

    def mutate(document: dict[str, Any]) -> None:
        if not isinstance(live, dict):
            raise Refused({"object": _("'%(name)s' is not in the live version.", name=name)})
        existing = objects_for_change(document)
        if name in existing:
            raise Refused({"object": _("'%(name)s' already exists.", name=name)})
        existing[name] = live

    return apply(mutate, url_for("designer.object_page", name=name), lambda errors, status: home(errors, status),
                 message=_("The object is back in the draft as it is live."))


@bp.post("/objects/<name>/fields/<field>/restore")
@drafting.designer_required
def restore_field(name: str, field: str):
    """Undo a field's archive before publishing: its live definition comes back (at the end)."""
    live = fields(objects(live_document() or {}).get(name) or {}).get(field)

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        if live is None:
            raise Refused({"field": _("'%(name)s' is not in the live version.", name=field)})
        if field in obj["fields"]:
            raise Refused({"field": _("'%(name)s' already exists.", name=field)})
        obj["fields"][field] = live

    return apply(mutate, url_for("designer.object_page", name=name) + f"#field-{field}",
                 lambda errors, status: object_page(name, errors, status),
                 message=_("The field is back in the draft as it is live."))
